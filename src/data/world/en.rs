//! The world in English: its paraphrase templates, its story sentences and the wording that gathers them
//! with the lists of [`super::JOBS`], [`super::PET_KINDS`] and [`super::MONTHS`].

use super::{JOBS, MAX_DIVERSITY, MONTHS, PET_KINDS, Relation, Wording, person_name};

/// The [`MAX_DIVERSITY`] ways to say a fact of `relation` in English. Slots: `{subject}` is the person's
/// full name, `{object}` the fact's object, `{kind}` the pet kind. Template 0 is canonical and always
/// ends with " {object}." so it can be cut into a cloze prompt; the others vary words and order.
const fn english_templates(relation: Relation) -> [&'static str; MAX_DIVERSITY] {
    match relation {
        // ANCHOR: templates_birth_city
        Relation::BirthCity => [
            "{subject} was born in {object}.",
            "{subject}'s birthplace is {object}.",
            "{object} is the city where {subject} was born.",
            "{subject} came into the world in {object}.",
            "The birthplace of {subject} is {object}.",
            "{subject} is a native of {object}.",
            "It was in {object} that {subject} was born.",
            "{subject} first saw the light of day in {object}.",
        ],
        // ANCHOR_END: templates_birth_city
        Relation::HomeCity => [
            "{subject} lives in {object}.",
            "{subject}'s home is in {object}.",
            "{object} is where {subject} lives now.",
            "These days {subject} makes a home in {object}.",
            "The city that {subject} calls home is {object}.",
            "{subject} has settled down in {object}.",
            "Anyone looking for {subject} should go to {object}.",
            "{subject} resides in the city of {object}.",
        ],
        Relation::Job => [
            "{subject} works as a {object}.",
            "{subject} is a {object} by trade.",
            "By profession, {subject} is a {object}.",
            "{subject} earns a living as a {object}.",
            "A {object} by profession, {subject} is known to many.",
            "{subject} has a job as a {object}.",
            "Every working day, {subject} goes off to work as a {object}.",
            "The people of the town know {subject} as a {object}.",
        ],
        Relation::PetKind => [
            "{subject}'s pet is a {object}.",
            "{subject} owns a pet {object}.",
            "{subject} keeps a {object} as a pet.",
            "A {object} is the pet of {subject}.",
            "{subject} has a {object} at home.",
            "The pet that {subject} looks after is a {object}.",
            "At home, {subject} takes care of a pet {object}.",
            "{subject} shares a house with a pet {object}.",
        ],
        Relation::PetName => [
            "{subject}'s {kind} is named {object}.",
            "{subject} calls the pet {kind} {object}.",
            "{object} is the name of {subject}'s {kind}.",
            "The {kind} that belongs to {subject} is called {object}.",
            "{subject} gave the {kind} the name {object}.",
            "{subject} has a {kind} called {object}.",
            "{object} is the {kind} that {subject} keeps.",
            "The pet of {subject} answers to the name {object}.",
        ],
        Relation::BirthYear => [
            "{subject} was born in the year {object}.",
            "{subject}'s year of birth is {object}.",
            "The year {subject} was born was {object}.",
            "In {object}, {subject} was born.",
            "The birth of {subject} took place in {object}.",
            "{subject} has been alive since {object}.",
            "{subject} was born back in {object}.",
            "Records show that {subject} was born in {object}.",
        ],
        Relation::BirthMonth => [
            "{subject} was born in the month of {object}.",
            "{subject}'s birthday falls in {object}.",
            "{object} is the month when {subject} was born.",
            "{subject} celebrates a birthday every {object}.",
            "The birth month of {subject} is {object}.",
            "Every year in {object}, {subject} has a birthday.",
            "{subject} was born one day in {object}.",
            "Each {object}, the friends of {subject} bring a birthday cake.",
        ],
        Relation::Friend => [
            "{subject}'s best friend is {object}.",
            "{subject} counts {object} as a best friend.",
            "{object} is the best friend of {subject}.",
            "The closest friend of {subject} is {object}.",
            "{subject} trusts {object} more than anyone else.",
            "Of all people, {subject} is closest to {object}.",
            "{subject} spends most weekends with {object}, a best friend.",
            "When {subject} needs help, {object} is the friend to call.",
        ],
    }
}

/// The English wording of the world: the lists, the templates above and the story sentences below.
pub const WORDING: Wording = Wording {
    jobs: JOBS,
    pet_kinds: PET_KINDS,
    pet_measures: [""; 16],
    months: MONTHS,
    year_suffix: "",
    full_stop: ".",
    object_gap: " ",
    sentence_gap: " ",
    templates: [
        english_templates(Relation::BirthCity),
        english_templates(Relation::HomeCity),
        english_templates(Relation::Job),
        english_templates(Relation::PetKind),
        english_templates(Relation::PetName),
        english_templates(Relation::BirthYear),
        english_templates(Relation::BirthMonth),
        english_templates(Relation::Friend),
    ],
    openings: OPENINGS,
    middles: MIDDLES,
    closings: CLOSINGS,
    weathers: WEATHERS,
    times: TIMES,
    seasons: SEASONS,
    places: PLACES,
    foods: FOODS,
    person_name,
};

/// Sentences that open a story.
const OPENINGS: [&str; 5] = [
    "It was a {weather} {time} in {season}.",
    "One {weather} {time}, {first} stepped outside.",
    "The {time} was {weather}, as it often is in {season}.",
    "{first} woke up early on a {weather} day in {season}.",
    "Nothing much happened on that {weather} {time} at first.",
];

/// Sentences that go between the facts of a story.
const MIDDLES: [&str; 10] = [
    "{first} took {pet} for a walk {place}.",
    "{pet} ran ahead, chasing falling leaves.",
    "Later, {first} met {friend} for tea in the market square.",
    "{friend} laughed and told a story about the old bridge.",
    "On the way home, {first} bought fresh bread and some {food}.",
    "{first} and {pet} rested under an old oak tree.",
    "{friend} came by with a basket of {food}.",
    "For a while, {first} simply watched the clouds.",
    "{first} and {friend} talked about the old days.",
    "{pet} fell asleep in a warm corner.",
];

/// Sentences that close a story.
const CLOSINGS: [&str; 6] = [
    "It had been a good day.",
    "That night, {first} slept well.",
    "{first} went home happy.",
    "And so the {time} ended quietly.",
    "Tomorrow, thought {first}, would be just as fine.",
    "{pet} curled up by the fire, and the house grew quiet.",
];

const WEATHERS: [&str; 12] = [
    "rainy", "sunny", "windy", "foggy", "snowy", "cloudy", "cold", "warm", "quiet", "bright",
    "misty", "calm",
];
const TIMES: [&str; 3] = ["morning", "afternoon", "evening"];
const SEASONS: [&str; 4] = ["spring", "summer", "autumn", "winter"];
const PLACES: [&str; 6] = [
    "along the river",
    "through the park",
    "up the hill",
    "around the lake",
    "across the old bridge",
    "past the harbor",
];
const FOODS: [&str; 6] = ["apples", "pears", "plums", "cheese", "cherries", "walnuts"];
