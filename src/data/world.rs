//! The built-in world: the course's data spine.
//!
//! Every chapter trains on text about a small fictional world, generated here from a seed. Because we
//! wrote the world, we know every fact in it, so we can measure what a model has learned: language
//! (perplexity on the text) and knowledge (can it complete "Ada Toko was born in" with " Lumen"?).
//!
//! The world is a list of [`Person`]s. Each person has eight facts ([`Relation`]s): birth city, home
//! city, job, pet kind, pet name, birth year, birth month and best friend. Each fact can be said in
//! [`MAX_DIVERSITY`] different ways (paraphrase templates). The corpus is made of documents about
//! people, biographies that list all their facts and short stories that weave a few facts into a
//! narrative; [`WorldConfig::diversity`] says how many of the paraphrases the corpus may use.
//!
//! Everything is deterministic. One ChaCha8 generator, seeded with [`WorldConfig::seed`], is split
//! into independent streams: stream 0 builds the world, stream 1 orders the documents, and stream
//! `2 + i` writes the documents about person `i`. So a person's documents are the same whether the
//! corpus holds everyone or only a few people ([`World::corpus_for`]).
//!
//! The world speaks English or Chinese ([`WorldConfig::language`]). The language only changes how the
//! world is *told*: the generator draws every fact first (the same draws in both languages), then
//! renders them with the language's [`Wording`]. Chinese names, cities and pet names come from a stream of
//! their own, so a Chinese world has the same people, in the same order, with the same facts.

mod draw;
mod en;
mod language;
mod scene;
mod unchecked;
pub mod zh;

use draw::*;
use scene::*;
use unchecked::UncheckedWorld;

pub use language::Language;

use std::collections::HashSet;

use anyhow::{Result, bail};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How many paraphrase templates each relation has; the largest allowed `diversity`.
pub const MAX_DIVERSITY: usize = 8;

/// The largest world we agree to build: a million people is about a gigabyte of text.
pub const MAX_PEOPLE: usize = 1_000_000;

/// The most documents we write about one person.
pub const MAX_DOCS_PER_PERSON: usize = 1_000;

/// How many cities every world has.
pub const N_CITIES: usize = 32;

/// The earliest birth year.
pub const FIRST_YEAR: u32 = 1950;

/// The latest birth year.
pub const LAST_YEAR: u32 = 2005;

/// Jobs people can have. All start with a consonant, so the article is always "a" and a cloze prompt
/// such as "Ada Toko works as a" gives no hint about the answer.
pub const JOBS: [&str; 24] = [
    "baker",
    "pilot",
    "teacher",
    "farmer",
    "doctor",
    "nurse",
    "painter",
    "sailor",
    "potter",
    "tailor",
    "builder",
    "miner",
    "weaver",
    "fisherman",
    "singer",
    "dancer",
    "writer",
    "cook",
    "gardener",
    "carpenter",
    "librarian",
    "mechanic",
    "musician",
    "jeweler",
];

/// Kinds of pet. Like [`JOBS`], all start with a consonant ("a cat", never "an owl").
pub const PET_KINDS: [&str; 16] = [
    "cat", "dog", "parrot", "rabbit", "hamster", "turtle", "goat", "pony", "canary", "ferret",
    "goldfish", "lizard", "tortoise", "hedgehog", "mouse", "duck",
];

/// The twelve months, for birth months.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How big and how varied the world is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorldConfig {
    /// Seed of the generator: the same seed gives the same world on every platform.
    pub seed: u64,
    /// How many people live in the world (at least 2, so everyone can have a friend).
    pub n_people: usize,
    /// How many distinct paraphrase templates the corpus uses per fact, `1..=MAX_DIVERSITY`.
    pub diversity: usize,
    /// How many documents (biographies and stories) the corpus has about each person.
    pub docs_per_person: usize,
    /// Seed of the documents' wording and order, when it should differ from `seed`: the same people and
    /// facts, told anew — e.g. held-out text about a world a model was trained on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render_seed: Option<u64>,
    /// The language the world is told in: `"en"` (the default) or `"zh"`. The same seed gives the same
    /// people and facts in both.
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
}

/// What a language needs to tell the world: its words for the fixed lists, its sentence patterns and its
/// punctuation. Every list has one length in every language, so one draw picks the same entry in each.
pub struct Wording {
    /// Jobs, in the order of [`JOBS`].
    pub jobs: [&'static str; 24],
    /// Pet kinds, in the order of [`PET_KINDS`].
    pub pet_kinds: [&'static str; 16],
    /// The measure word that counts each pet kind (只, 条, 匹); empty in English.
    pub pet_measures: [&'static str; 16],
    /// Month names, January first.
    pub months: [&'static str; 12],
    /// What follows a year's digits: "" in English, "年" in Chinese.
    pub year_suffix: &'static str,
    /// What ends a sentence: "." or "。".
    pub full_stop: &'static str,
    /// What stands between a cloze prompt and its answer: a space in English, nothing in Chinese.
    pub object_gap: &'static str,
    /// What stands between two sentences of a document.
    pub sentence_gap: &'static str,
    /// [`MAX_DIVERSITY`] paraphrase templates per relation, in [`Relation::ALL`] order; template 0 ends
    /// with `object_gap + "{object}" + full_stop`.
    pub templates: [[&'static str; MAX_DIVERSITY]; 8],
    /// Sentences that open a story.
    pub openings: [&'static str; 5],
    /// Sentences that go between a story's facts.
    pub middles: [&'static str; 10],
    /// Sentences that close a story.
    pub closings: [&'static str; 6],
    /// A story's weathers, times of day, seasons, places and foods.
    pub weathers: [&'static str; 12],
    /// See `weathers`.
    pub times: [&'static str; 3],
    /// See `weathers`.
    pub seasons: [&'static str; 4],
    /// See `weathers`.
    pub places: [&'static str; 6],
    /// See `weathers`.
    pub foods: [&'static str; 6],
    /// Makes up a person's name (for people who do not exist, too).
    pub person_name: fn(&mut ChaCha8Rng) -> String,
}

impl Default for WorldConfig {
    /// A world small enough to train on a laptop CPU in minutes: about 200 KB of text.
    fn default() -> Self {
        WorldConfig {
            seed: 42,
            n_people: 200,
            diversity: 4,
            docs_per_person: 3,
            render_seed: None,
            language: Language::En,
        }
    }
}

impl WorldConfig {
    /// Checks that a world can be built from this config; the error names the field at fault.
    pub fn validate(&self) -> Result<()> {
        if self.n_people < 2 {
            bail!(
                "world config: n_people must be at least 2 (everyone needs a friend), got {}",
                self.n_people
            );
        }
        if self.n_people > MAX_PEOPLE {
            bail!(
                "world config: n_people must be at most {MAX_PEOPLE}, got {}",
                self.n_people
            );
        }
        if !(1..=MAX_DIVERSITY).contains(&self.diversity) {
            bail!(
                "world config: diversity must be between 1 and {MAX_DIVERSITY}, got {}",
                self.diversity
            );
        }
        if !(1..=MAX_DOCS_PER_PERSON).contains(&self.docs_per_person) {
            bail!(
                "world config: docs_per_person must be between 1 and {MAX_DOCS_PER_PERSON}, got {}",
                self.docs_per_person
            );
        }
        Ok(())
    }
}

/// A kind of fact about a person: the "relation" between the person and the fact's object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Relation {
    /// The city where the person was born.
    BirthCity,
    /// The city where the person lives now.
    HomeCity,
    /// The person's job, one of [`JOBS`].
    Job,
    /// The kind of the person's pet, one of [`PET_KINDS`].
    PetKind,
    /// The name of the person's pet.
    PetName,
    /// The year the person was born, `FIRST_YEAR..=LAST_YEAR`.
    BirthYear,
    /// The month the person was born, one of [`MONTHS`].
    BirthMonth,
    /// The full name of the person's best friend (friendship need not be mutual).
    Friend,
}

impl Relation {
    /// Every relation, in the fixed order in which [`World::facts`] lists a person's facts.
    pub const ALL: [Relation; 8] = [
        Relation::BirthCity,
        Relation::HomeCity,
        Relation::Job,
        Relation::PetKind,
        Relation::PetName,
        Relation::BirthYear,
        Relation::BirthMonth,
        Relation::Friend,
    ];

    /// A short snake_case name for reports and plots, e.g. `"birth_city"`.
    pub fn name(self) -> &'static str {
        match self {
            Relation::BirthCity => "birth_city",
            Relation::HomeCity => "home_city",
            Relation::Job => "job",
            Relation::PetKind => "pet_kind",
            Relation::PetName => "pet_name",
            Relation::BirthYear => "birth_year",
            Relation::BirthMonth => "birth_month",
            Relation::Friend => "friend",
        }
    }
}

/// One inhabitant of the world and everything the world knows about them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Full name, "First Last", unique within the world.
    pub name: String,
    /// City of birth, one of [`World::cities`].
    pub birth_city: String,
    /// City of residence, one of [`World::cities`].
    pub home_city: String,
    /// Job, one of [`World::jobs`].
    pub job: String,
    /// Kind of pet, one of [`PET_KINDS`].
    pub pet_kind: String,
    /// The pet's invented name.
    pub pet_name: String,
    /// Year of birth, `FIRST_YEAR..=LAST_YEAR`.
    pub birth_year: u32,
    /// Month of birth, one of [`MONTHS`].
    pub birth_month: String,
    /// Index of the best friend in [`World::people`]; never the person's own index.
    pub friend: usize,
}

impl Person {
    /// What the narrative sentences of stories call the person: the first name of "First Last", or for a
    /// Chinese name (no space) its two-character given name, or the whole name ([`zh::call_name`]).
    pub fn first_name(&self) -> &str {
        match self.name.split_once(' ') {
            Some((first, _)) => first,
            None => zh::call_name(&self.name),
        }
    }
}

/// One fact: `person` (an index into [`World::people`]) has `object` for `relation`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Index of the person the fact is about.
    pub person: usize,
    /// What kind of fact it is.
    pub relation: Relation,
    /// The answer, as it appears in text: "Lumen", "baker", "1987", "Miro Velan".
    pub object: String,
}

/// A generated world: its config, its people, and the cities and jobs they draw from.
///
/// A world read from JSON is checked like a generated one (valid config, one person per
/// `n_people`, friends in range and never oneself), so a hand-edited file cannot make it panic.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "UncheckedWorld")]
pub struct World {
    /// The config the world was generated from; its `diversity` and `docs_per_person` shape the corpus.
    pub config: WorldConfig,
    /// The inhabitants; a [`Fact::person`] indexes this list.
    pub people: Vec<Person>,
    /// The invented city names.
    pub cities: Vec<String>,
    /// The job names.
    pub jobs: Vec<String>,
}

/// Which stream of the seeded generator does which job (see the module docs).
const WORLD_STREAM: u64 = 0;
const ORDER_STREAM: u64 = 1;
const FIRST_PERSON_STREAM: u64 = 2;

/// A fresh generator for one stream of `seed`.
fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

impl World {
    /// Generate the world from `config.seed` (ChaCha8Rng::seed_from_u64): the same config gives the
    /// same world on every platform. Fails, naming the field, if the config is impossible.
    pub fn generate(config: &WorldConfig) -> Result<World> {
        config.validate()?;
        let drawn = Drawn::new(config)?;
        let names = match config.language {
            Language::En => drawn.names.clone(),
            Language::Zh => Names::chinese(config)?,
        };
        Ok(drawn.render(config, &names))
    }

    /// Every fact of every person, in a fixed order: person by person, each in [`Relation::ALL`] order.
    pub fn facts(&self) -> Vec<Fact> {
        (0..self.people.len())
            .flat_map(|person| self.person_facts(person))
            .collect()
    }

    /// The facts of one person, in [`Relation::ALL`] order.
    ///
    /// # Panics
    /// If `person` is not an index into [`World::people`].
    pub fn person_facts(&self, person: usize) -> Vec<Fact> {
        Relation::ALL
            .iter()
            .map(|&relation| Fact {
                person,
                relation,
                object: self.object(person, relation),
            })
            .collect()
    }

    /// The object of `person`'s `relation`, written as it appears in text.
    ///
    /// # Panics
    /// If `person` is not an index into [`World::people`].
    pub fn object(&self, person: usize, relation: Relation) -> String {
        let p = &self.people[person];
        match relation {
            Relation::BirthCity => p.birth_city.clone(),
            Relation::HomeCity => p.home_city.clone(),
            Relation::Job => p.job.clone(),
            Relation::PetKind => p.pet_kind.clone(),
            Relation::PetName => p.pet_name.clone(),
            Relation::BirthYear => format!("{}{}", p.birth_year, self.wording().year_suffix),
            Relation::BirthMonth => p.birth_month.clone(),
            Relation::Friend => self.people[p.friend].name.clone(),
        }
    }

    /// The language the world is told in.
    pub fn language(&self) -> Language {
        self.config.language
    }

    /// The words and sentence patterns of the world's language.
    pub fn wording(&self) -> &'static Wording {
        self.config.language.wording()
    }

    /// A cloze probe for a fact: the prompt ends right before the answer, e.g.
    /// `("Ada Toko was born in", " Lumen")` or `("王晓明出生在", "青川")`. It uses the canonical template
    /// (template 0), whose object always comes last; the answer is [`World::cloze_answer`] of the object.
    /// So `prompt + answer + full stop` is `sentence(fact, 0)`.
    ///
    /// # Panics
    /// If `fact.person` is not an index into [`World::people`].
    pub fn cloze(&self, fact: &Fact) -> (String, String) {
        let wording = self.wording();
        let canonical = templates(wording, fact.relation)[0];
        let tail = format!("{}{{object}}{}", wording.object_gap, wording.full_stop);
        let before_object = canonical.strip_suffix(&tail).unwrap_or(canonical);
        let mut prompt = String::new();
        self.fill_fact(before_object, fact, &mut prompt);
        (prompt, self.cloze_answer(&fact.object))
    }

    /// How `object` continues a cloze prompt: `" Lumen"` in English (with its space), `"青川"` in
    /// Chinese. Wrong options of a multiple-choice probe are written the same way.
    pub fn cloze_answer(&self, object: &str) -> String {
        format!("{}{object}", self.wording().object_gap)
    }

    /// One sentence stating the fact with paraphrase template `template` (taken modulo
    /// [`MAX_DIVERSITY`]), e.g. "Lumen is the city where Ada Toko was born."
    ///
    /// # Panics
    /// If `fact.person` is not an index into [`World::people`].
    pub fn sentence(&self, fact: &Fact, template: usize) -> String {
        let mut out = String::new();
        self.fill_fact(
            templates(self.wording(), fact.relation)[template % MAX_DIVERSITY],
            fact,
            &mut out,
        );
        out
    }

    /// The documents about one person, in order: document 0, 2, 4, ... are biographies (all eight
    /// facts in a random order), documents 1, 3, 5, ... are short stories (two to four facts among
    /// narrative sentences). Every fact is said with one of the first `config.diversity` templates,
    /// chosen at random. The same for a person whatever other people the corpus holds.
    ///
    /// # Panics
    /// If `person` is not an index into [`World::people`].
    pub fn documents(&self, person: usize) -> Vec<String> {
        let mut rng = stream_rng(self.render_seed(), FIRST_PERSON_STREAM + person as u64);
        (0..self.config.docs_per_person)
            .map(|k| {
                if k % 2 == 0 {
                    self.biography(person, &mut rng)
                } else {
                    self.story(person, &mut rng)
                }
            })
            .collect()
    }

    /// The seed the documents are rendered with: `render_seed`, or else the world's own seed.
    fn render_seed(&self) -> u64 {
        self.config.render_seed.unwrap_or(self.config.seed)
    }

    /// The pretraining corpus: `config.docs_per_person` documents about each person (see
    /// [`World::documents`]), in a seeded random order, separated by blank lines ("\n\n").
    pub fn corpus(&self) -> String {
        let everyone: Vec<usize> = (0..self.people.len()).collect();
        self.corpus_for(&everyone)
    }

    /// Same as [`World::corpus`] but only about the given people (indices), so later chapters can
    /// hold people out. Their documents are exactly those of the full corpus; only the order differs.
    ///
    /// # Panics
    /// If an index is not an index into [`World::people`].
    pub fn corpus_for(&self, people: &[usize]) -> String {
        let mut documents: Vec<String> = people
            .iter()
            .flat_map(|&person| self.documents(person))
            .collect();
        documents.shuffle(&mut stream_rng(self.render_seed(), ORDER_STREAM));
        documents.join("\n\n")
    }

    /// Appends `template` filled in for `fact` to `out`.
    fn fill_fact(&self, template: &str, fact: &Fact, out: &mut String) {
        let person = &self.people[fact.person];
        let wording = self.wording();
        let measure = (wording.pet_kinds.iter())
            .position(|kind| *kind == person.pet_kind)
            .map_or("", |kind| wording.pet_measures[kind]);
        fill(
            template,
            |slot| match slot {
                "subject" => &person.name,
                "object" => &fact.object,
                "kind" => &person.pet_kind,
                "measure" => measure,
                _ => "{unknown slot}",
            },
            out,
        );
    }

    /// How many templates the corpus may use; clamped so a hand-edited config cannot panic.
    fn diversity(&self) -> usize {
        self.config.diversity.clamp(1, MAX_DIVERSITY)
    }

    /// Appends one fact, said with a random one of the first `diversity` templates, to `sentences`.
    fn say_fact(&self, fact: &Fact, rng: &mut ChaCha8Rng, sentences: &mut Vec<String>) {
        let template = rng.random_range(0..self.diversity());
        sentences.push(self.sentence(fact, template));
    }

    /// A biography: every fact of the person, in a random order.
    fn biography(&self, person: usize, rng: &mut ChaCha8Rng) -> String {
        let mut facts = self.person_facts(person);
        facts.shuffle(rng);
        let mut sentences = Vec::with_capacity(facts.len());
        for fact in &facts {
            self.say_fact(fact, rng, &mut sentences);
        }
        sentences.join(self.wording().sentence_gap)
    }

    /// A short story of 3 to 6 sentences: an opening, two to four facts with some narrative
    /// sentences between them (a walk with the pet, tea with the friend), and a closing if room is left.
    fn story(&self, person: usize, rng: &mut ChaCha8Rng) -> String {
        let wording = self.wording();
        let scene = Scene::new(self, person, rng);
        let mut facts = self.person_facts(person);
        let n_facts = rng.random_range(2..=4);
        let (chosen, _) = facts.partial_shuffle(rng, n_facts);
        let mut sentences = vec![scene.say(pick(rng, &wording.openings))];
        for (i, fact) in chosen.iter().enumerate() {
            self.say_fact(fact, rng, &mut sentences);
            // Leave room for the facts still to come.
            let facts_left = chosen.len() - i - 1;
            if sentences.len() + facts_left < MAX_STORY_SENTENCES && rng.random_bool(0.4) {
                sentences.push(scene.say(pick(rng, &wording.middles)));
            }
        }
        if sentences.len() < MAX_STORY_SENTENCES {
            sentences.push(scene.say(pick(rng, &wording.closings)));
        }
        sentences.join(wording.sentence_gap)
    }
}

/// The longest story, in sentences.
const MAX_STORY_SENTENCES: usize = 6;

/// Convenience: generate a world and render its corpus.
pub fn world_corpus(config: &WorldConfig) -> Result<String> {
    Ok(World::generate(config)?.corpus())
}
