//! Making up the world's names and drawing its facts: syllables for English names, the Chinese names from their
//! own stream, and every person's facts drawn before any language tells them.

use super::*;
// ---------------------------------------------------------------------------------------------
// Making up names
// ---------------------------------------------------------------------------------------------

pub(super) const ONSETS: [&str; 15] = [
    "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
];
pub(super) const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
pub(super) const NAME_CODAS: [&str; 6] = ["", "n", "r", "l", "s", "k"];
pub(super) const CITY_CODAS: [&str; 4] = ["r", "l", "n", "s"];
pub(super) const PET_CODAS: [&str; 8] = ["p", "b", "t", "d", "g", "k", "m", "x"];
pub(super) const PET_ENDINGS: [&str; 5] = ["", "", "o", "i", "a"];

/// How often we retry a name that is already taken before giving up.
pub(super) const MAX_NAME_TRIES: usize = 1_000;

/// A random element of a non-empty constant list.
pub(super) fn pick<'a, T: AsRef<str>>(rng: &mut ChaCha8Rng, list: &'a [T]) -> &'a str {
    list[pick_index(rng, list.len())].as_ref()
}

/// A consonant followed by a vowel: "ka", "mo", "ti".
pub(super) fn syllable(rng: &mut ChaCha8Rng) -> String {
    format!("{}{}", pick(rng, &ONSETS), pick(rng, &VOWELS))
}

/// The word with its first letter in upper case.
pub(super) fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// A first name of two syllables, sometimes starting with a bare vowel: "Ada", "Miro".
pub(super) fn first_name(rng: &mut ChaCha8Rng) -> String {
    let start = if rng.random_bool(0.25) {
        pick(rng, &VOWELS).to_string()
    } else {
        syllable(rng)
    };
    capitalize(&(start + &syllable(rng)))
}

/// A last name of two syllables and an optional closing consonant: "Toko", "Velan".
pub(super) fn last_name(rng: &mut ChaCha8Rng) -> String {
    let word = syllable(rng) + &syllable(rng) + pick(rng, &NAME_CODAS);
    capitalize(&word)
}

/// A full name, "First Last".
pub(super) fn person_name(rng: &mut ChaCha8Rng) -> String {
    format!("{} {}", first_name(rng), last_name(rng))
}

/// A city name with two consonants in a row, "Karsa", "Molden"; person names never have two
/// consonants in a row, so a city can never share a name with a person.
pub(super) fn city_name(rng: &mut ChaCha8Rng) -> String {
    let word = syllable(rng) + pick(rng, &CITY_CODAS) + &syllable(rng) + pick(rng, &NAME_CODAS);
    capitalize(&word)
}

/// A short pet name: "Pip", "Moxi", "Tuka".
pub(super) fn pet_name(rng: &mut ChaCha8Rng) -> String {
    let word = syllable(rng) + pick(rng, &PET_CODAS) + pick(rng, &PET_ENDINGS);
    capitalize(&word)
}

/// `count` distinct names made by `make`, in the order they were made.
pub(super) fn unique_names(
    rng: &mut ChaCha8Rng,
    count: usize,
    make: fn(&mut ChaCha8Rng) -> String,
) -> Result<Vec<String>> {
    let mut seen = HashSet::with_capacity(count);
    let mut names = Vec::with_capacity(count);
    while names.len() < count {
        let Some(name) = (0..MAX_NAME_TRIES)
            .map(|_| make(rng))
            .find(|name| !seen.contains(name))
        else {
            bail!("ran out of fresh names after {} of {count}", names.len());
        };
        seen.insert(name.clone());
        names.push(name);
    }
    Ok(names)
}

/// A person's facts as the generator draws them, before any language names them: indices into the
/// world's cities and the [`Wording`] lists.
#[derive(Clone, Debug)]
pub(super) struct DrawnPerson {
    pub(super) birth_city: usize,
    pub(super) home_city: usize,
    pub(super) job: usize,
    pub(super) pet_kind: usize,
    pub(super) birth_year: u32,
    pub(super) birth_month: usize,
    pub(super) friend: usize,
}

/// The names a world is told with: its cities', its people's and their pets'.
#[derive(Clone, Debug)]
pub(super) struct Names {
    pub(super) cities: Vec<String>,
    pub(super) people: Vec<String>,
    pub(super) pets: Vec<String>,
}

/// Everything the generator draws from stream 0: the English names and every fact. Drawing all of it
/// before rendering means the language cannot change what is drawn.
pub(super) struct Drawn {
    pub(super) names: Names,
    pub(super) people: Vec<DrawnPerson>,
}

/// Stream of the Chinese names of cities, people and pets (apart from every other stream).
pub(super) const CHINESE_NAMES_STREAM: u64 = u64::MAX / 4;

impl Drawn {
    /// Draw the world of `config` (a valid one): city names, person names, then each person's facts.
    pub(super) fn new(config: &WorldConfig) -> Result<Drawn> {
        let mut rng = stream_rng(config.seed, WORLD_STREAM);
        let cities = unique_names(&mut rng, N_CITIES, city_name)?;
        let people_names = unique_names(&mut rng, config.n_people, person_name)?;
        let mut pets = Vec::with_capacity(config.n_people);
        let people = (0..config.n_people)
            .map(|index| {
                let (person, pet) = random_person(&mut rng, index, config.n_people);
                pets.push(pet);
                person
            })
            .collect();
        let names = Names {
            cities,
            people: people_names,
            pets,
        };
        Ok(Drawn { names, people })
    }

    /// The world told with `names` and the words of `config.language`.
    pub(super) fn render(&self, config: &WorldConfig, names: &Names) -> World {
        let wording = config.language.wording();
        let people = (self.people.iter().enumerate())
            .map(|(i, d)| Person {
                name: names.people[i].clone(),
                birth_city: names.cities[d.birth_city].clone(),
                home_city: names.cities[d.home_city].clone(),
                job: wording.jobs[d.job].to_string(),
                pet_kind: wording.pet_kinds[d.pet_kind].to_string(),
                pet_name: names.pets[i].clone(),
                birth_year: d.birth_year,
                birth_month: wording.months[d.birth_month].to_string(),
                friend: d.friend,
            })
            .collect();
        World {
            config: config.clone(),
            people,
            cities: names.cities.clone(),
            jobs: wording.jobs.iter().map(|job| job.to_string()).collect(),
        }
    }
}

impl Names {
    /// Chinese names for the world of `config`, drawn from a stream of their own: person `i` of the
    /// English world is person `i` here, with the same facts.
    pub(super) fn chinese(config: &WorldConfig) -> Result<Names> {
        let mut rng = stream_rng(config.seed, CHINESE_NAMES_STREAM);
        Ok(Names {
            cities: unique_names(&mut rng, N_CITIES, zh::city_name)?,
            people: unique_names(&mut rng, config.n_people, zh::person_name)?,
            pets: (0..config.n_people)
                .map(|_| zh::pet_name(&mut rng))
                .collect(),
        })
    }
}

/// A random index into a list of `len` entries: the draw [`pick`] makes.
pub(super) fn pick_index(rng: &mut ChaCha8Rng, len: usize) -> usize {
    rng.random_range(0..len)
}

/// Person number `index` of `n_people`: random facts, a best friend who is someone else, and the pet's
/// English name (drawn here, in its place among the facts, so the draws stay in order).
pub(super) fn random_person(
    rng: &mut ChaCha8Rng,
    index: usize,
    n_people: usize,
) -> (DrawnPerson, String) {
    let birth_city = pick_index(rng, N_CITIES);
    let home_city = pick_index(rng, N_CITIES);
    let job = pick_index(rng, JOBS.len());
    let pet_kind = pick_index(rng, PET_KINDS.len());
    let pet = pet_name(rng);
    let birth_year = rng.random_range(FIRST_YEAR..=LAST_YEAR);
    let birth_month = pick_index(rng, MONTHS.len());
    // Draw among the other n_people - 1 people: numbers from `index` on shift up by one.
    let other = rng.random_range(0..n_people - 1);
    let friend = if other >= index { other + 1 } else { other };
    let person = DrawnPerson {
        birth_city,
        home_city,
        job,
        pet_kind,
        birth_year,
        birth_month,
        friend,
    };
    (person, pet)
}

// ---------------------------------------------------------------------------------------------
// Saying facts: paraphrase templates
// ---------------------------------------------------------------------------------------------

/// The [`MAX_DIVERSITY`] ways to say a fact of `relation` in the language of `wording`.
pub(super) fn templates(wording: &Wording, relation: Relation) -> &[&'static str; MAX_DIVERSITY] {
    let index = Relation::ALL.iter().position(|&r| r == relation);
    &wording.templates[index.expect("Relation::ALL lists every relation")]
}

/// Appends `template` to `out` with every `{slot}` replaced by `value(slot)`. One pass over the
/// template, so rendering the corpus takes time proportional to its size.
pub(super) fn fill<'a>(template: &'a str, value: impl Fn(&'a str) -> &'a str, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|offset| open + offset) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(value(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
}

// ---------------------------------------------------------------------------------------------
// Telling stories: narrative sentences around the facts
// ---------------------------------------------------------------------------------------------

/// Stream of the names of people who do not exist (far above every person's own stream).
pub(super) const UNKNOWN_STREAM: u64 = u64::MAX / 2;

impl World {
    /// `count` names that look like the world's names but belong to nobody in it: questions about them
    /// have no answer the model could have read (chapter 4's hallucination test).
    pub fn unknown_names(&self, count: usize, seed: u64) -> Vec<String> {
        let mut rng = stream_rng(seed, UNKNOWN_STREAM);
        let known: HashSet<&str> = self.people.iter().map(|p| p.name.as_str()).collect();
        let mut names = Vec::with_capacity(count);
        while names.len() < count {
            let name = (self.wording().person_name)(&mut rng);
            if !known.contains(name.as_str()) && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}
