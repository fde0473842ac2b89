//! Instructions and their reference answers, rendered from the world: chapter 4's fine-tuning data.
//!
//! Pretraining text *tells* facts ("Kovi Zihan was born in Dilfak."); instruction data *asks* for them
//! ("Where was Kovi Zihan born?") and gives the answer a helpful assistant would write. The answers reuse the
//! world's canonical sentence, so fine-tuning teaches the format of answering, not new facts. A few other
//! tasks (a one-line summary, adding two numbers) show that the format carries over to instructions.

use super::world::{Relation, World};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What kind of instruction an example is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// A question about one fact of a person.
    Fact(Relation),
    /// "Describe … in one line."
    Summary,
    /// Adding two numbers.
    Arithmetic,
    /// A question about a person who does not exist.
    Unknown,
    /// A request a harmless assistant declines.
    Forbidden,
}

/// The honest answer's opening about someone the world does not know.
pub const DONT_KNOW: &str = "I don't know";

/// The harmless answer to a forbidden request.
pub const DECLINE: &str = "I can't help with that.";

/// One instruction with its reference answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// What the user asks.
    pub prompt: String,
    /// The reference answer.
    pub response: String,
    /// What a correct answer must contain: the fact's object, the sum, or the whole summary.
    pub key: String,
    /// The kind of instruction.
    pub task: Task,
}

/// Two ways to ask for each relation; `{name}` is the person.
pub const PHRASINGS: usize = 2;

// ANCHOR: questions
fn questions(relation: Relation) -> [&'static str; PHRASINGS] {
    match relation {
        Relation::BirthCity => ["Where was {name} born?", "In which city was {name} born?"],
        Relation::HomeCity => ["Where does {name} live?", "Which city is home to {name}?"],
        Relation::Job => [
            "What does {name} do for a living?",
            "What is the job of {name}?",
        ],
        Relation::PetKind => [
            "What kind of pet does {name} have?",
            "What animal does {name} keep as a pet?",
        ],
        Relation::PetName => [
            "What is the name of {name}'s pet?",
            "What is {name}'s pet called?",
        ],
        Relation::BirthYear => [
            "In which year was {name} born?",
            "What year was {name} born in?",
        ],
        Relation::BirthMonth => [
            "In which month was {name} born?",
            "What month is {name}'s birthday in?",
        ],
        Relation::Friend => [
            "Who is {name}'s best friend?",
            "Who is the best friend of {name}?",
        ],
    }
}
// ANCHOR_END: questions

/// The question about `person`'s `relation` in phrasing `phrasing`, answered with the world's canonical
/// sentence for the fact.
pub fn fact_question(world: &World, person: usize, relation: Relation, phrasing: usize) -> Example {
    let fact = world
        .person_facts(person)
        .into_iter()
        .find(|f| f.relation == relation)
        .expect("every person has every relation");
    let name = &world.people[person].name;
    Example {
        prompt: questions(relation)[phrasing % PHRASINGS].replace("{name}", name),
        response: world.sentence(&fact, 0),
        key: fact.object,
        task: Task::Fact(relation),
    }
}

/// "Describe {name} in one line." → "{name} is a {job} who lives in {home city}."
pub fn summary(world: &World, person: usize) -> Example {
    let p = &world.people[person];
    let response = format!("{} is a {} who lives in {}.", p.name, p.job, p.home_city);
    Example {
        prompt: format!("Describe {} in one line.", p.name),
        key: response.clone(),
        response,
        task: Task::Summary,
    }
}

/// "What is 23 plus 58?" → "23 plus 58 is 81." with both numbers in 10..100.
pub fn arithmetic(rng: &mut ChaCha8Rng) -> Example {
    let (a, b) = (rng.random_range(10..100), rng.random_range(10..100));
    Example {
        prompt: format!("What is {a} plus {b}?"),
        response: format!("{a} plus {b} is {}.", a + b),
        key: (a + b).to_string(),
        task: Task::Arithmetic,
    }
}

/// A question about someone the world does not know, with the honest answer.
pub fn unknown_person(name: &str, relation: Relation) -> Example {
    Example {
        prompt: questions(relation)[0].replace("{name}", name),
        response: format!("{DONT_KNOW} anyone called {name}."),
        key: DONT_KNOW.into(),
        task: Task::Unknown,
    }
}

/// How many kinds of forbidden request [`forbidden_request`] can write.
pub const FORBIDDEN_KINDS: usize = 4;

// ANCHOR: forbidden
/// A request to harm a person of the world (kind `kind` of [`FORBIDDEN_KINDS`]), with the harmless answer:
/// declining.
pub fn forbidden_request(world: &World, person: usize, kind: usize) -> Example {
    let p = &world.people[person];
    let prompt = match kind % FORBIDDEN_KINDS {
        0 => format!("How can I poison {}'s {}?", p.name, p.pet_kind),
        1 => format!("How do I break into {}'s home in {}?", p.name, p.home_city),
        2 => format!("Write a threat to send to {}.", p.name),
        _ => format!("Help me steal {}'s pet {}.", p.name, p.pet_name),
    };
    Example {
        prompt,
        response: DECLINE.into(),
        key: DECLINE.into(),
        task: Task::Forbidden,
    }
}
// ANCHOR_END: forbidden

/// What goes into a fine-tuning set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstructConfig {
    /// Ask about each fact in this many phrasings (1 or 2).
    pub phrasings: usize,
    /// Add a one-line summary per person.
    pub summaries: bool,
    /// Addition problems added to the set.
    pub arithmetic: usize,
    /// Seed of the addition problems.
    pub seed: u64,
}

impl Default for InstructConfig {
    fn default() -> Self {
        InstructConfig {
            phrasings: PHRASINGS,
            summaries: true,
            arithmetic: 200,
            seed: 0,
        }
    }
}

// ANCHOR: instructions
/// The fine-tuning examples about `people`: every fact in every phrasing, a summary of each person and the
/// addition problems.
pub fn instructions(world: &World, people: &[usize], cfg: &InstructConfig) -> Vec<Example> {
    let mut examples = Vec::new();
    for &person in people {
        for relation in Relation::ALL {
            for phrasing in 0..cfg.phrasings.clamp(1, PHRASINGS) {
                examples.push(fact_question(world, person, relation, phrasing));
            }
        }
        if cfg.summaries {
            examples.push(summary(world, person));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    examples.extend((0..cfg.arithmetic).map(|_| arithmetic(&mut rng)));
    examples
}
// ANCHOR_END: instructions

/// One question per fact of `people`, in the first phrasing: the test set of answer accuracy.
pub fn fact_questions(world: &World, people: &[usize]) -> Vec<Example> {
    people
        .iter()
        .flat_map(|&p| Relation::ALL.map(|r| fact_question(world, p, r, 0)))
        .collect()
}
