//! Chapter 6's pretraining text: one stream of short lines, each exercising a skill whose growth with model
//! size the chapter measures. Every line is generated, so the chapter needs no download and every skill can
//! be tested on problems no model has seen.
//!
//! ```text
//! 347+85=432                                      addition, the answer alone
//! 347+85:7+5=12,4+8+1=13,3+0+1=4;432              addition with worked steps (chain of thought)
//! kab:TUR fox:LIM kab:TUR wed:OSA fox:LIM         a code book, new in every line (in-context learning)
//! the reverse of lamp is pmal.                    string operations described in prose (knowledge)
//! Q: sort dcab A: abcd                            instructions, for some of the operations only
//! ```
//!
//! The code line is in-context learning in its plainest form: each line draws its own code book, so nothing
//! in the weights can say what `kab` stands for; only an earlier look-up in the line can.
//! The instruction lines are the held-out-task experiment of instruction tuning (Wei et al., 2022, FLAN):
//! every operation is described in prose, but only some are ever asked for as `Q: … A: …`; the others are
//! asked only when the model is tested.
//!
//! A Chinese text (`"language": "zh"`) words the prose and the instructions in Chinese ([`Phrasing`]):
//! `lamp 的倒序是 pmal。`, `问：倒序 lamp 答：pmal`. Its sums, code books, echoes and the words operated on are
//! the same digits and letters, and the same seed draws the same problems in both languages.

use super::arithmetic::Addition;
use super::world::Language;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

// ANCHOR: ops
/// A string operation on a lowercase word: the skills named in prose and in instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StringOp {
    /// `lamp` → `pmal`
    Reverse,
    /// `lamp` → `LAMP`
    Upper,
    /// `lamp` → `lamplamp`
    Double,
    /// `lamp` → `l`
    First,
    /// `lamp` → `p`
    Last,
    /// `lamp` → `almp`
    Sort,
    /// `lamp` → `ampl`: the first letter moves to the end
    Rotate,
    /// `lamp` → `l-a-m-p`
    Spell,
}

impl StringOp {
    /// Every operation.
    pub const ALL: [StringOp; 8] = [
        StringOp::Reverse,
        StringOp::Upper,
        StringOp::Double,
        StringOp::First,
        StringOp::Last,
        StringOp::Sort,
        StringOp::Rotate,
        StringOp::Spell,
    ];

    /// The operation's name, as prose and instructions write it.
    pub fn name(self) -> &'static str {
        match self {
            StringOp::Reverse => "reverse",
            StringOp::Upper => "upper",
            StringOp::Double => "double",
            StringOp::First => "first",
            StringOp::Last => "last",
            StringOp::Sort => "sort",
            StringOp::Rotate => "rotate",
            StringOp::Spell => "spell",
        }
    }

    /// The operation applied to `word`.
    pub fn apply(self, word: &str) -> String {
        let letters: Vec<char> = word.chars().collect();
        match self {
            StringOp::Reverse => letters.iter().rev().collect(),
            StringOp::Upper => word.to_uppercase(),
            StringOp::Double => word.repeat(2),
            StringOp::First => letters.first().map(|c| c.to_string()).unwrap_or_default(),
            StringOp::Last => letters.last().map(|c| c.to_string()).unwrap_or_default(),
            StringOp::Sort => {
                let mut sorted = letters;
                sorted.sort_unstable();
                sorted.into_iter().collect()
            }
            StringOp::Rotate => letters.iter().skip(1).chain(letters.first()).collect(),
            StringOp::Spell => (letters.iter().map(char::to_string))
                .collect::<Vec<_>>()
                .join("-"),
        }
    }
}
// ANCHOR_END: ops

/// The letters of the words the operations work on.
pub const WORD_LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";

/// What a skills text is made of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkillsConfig {
    /// Addition problems have 1 to this many digits per operand in the training text.
    pub max_digits: u32,
    /// Words in each line's code book.
    pub code_entries: usize,
    /// Look-ups per code line in the training text.
    pub code_lookups: usize,
    /// Letters per word for the string operations (a range, inclusive).
    pub word_len: (usize, usize),
    /// Operations that are asked for as instructions in the training text; the others appear only in prose.
    pub instructed: Vec<StringOp>,
    /// The mix, as relative weights: direct sums, worked sums, code lines, prose, instructions, echoes.
    pub mix: [u32; 6],
    /// The language of the prose and the instructions, `"en"` (the default) or `"zh"` ([`Phrasing`]).
    #[serde(skip_serializing_if = "Language::is_english")]
    pub language: Language,
}

impl Default for SkillsConfig {
    fn default() -> Self {
        SkillsConfig {
            max_digits: 3,
            code_entries: 4,
            code_lookups: 8,
            word_len: (3, 5),
            instructed: vec![
                StringOp::Reverse,
                StringOp::Upper,
                StringOp::Double,
                StringOp::First,
                StringOp::Spell,
            ],
            mix: [3, 3, 3, 2, 2, 2],
            language: Language::En,
        }
    }
}

impl SkillsConfig {
    /// The operations never asked for as instructions in training: the held-out tasks.
    pub fn held_out(&self) -> Vec<StringOp> {
        (StringOp::ALL.into_iter())
            .filter(|op| !self.instructed.contains(op))
            .collect()
    }

    /// Checks that a text can be made; the error names the field at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        use anyhow::ensure;
        ensure!(
            (1..=9).contains(&self.max_digits),
            "skills.max_digits must be 1 to 9"
        );
        ensure!(
            self.code_entries >= 1 && self.code_lookups >= 1,
            "skills.code_entries and skills.code_lookups must be at least 1"
        );
        ensure!(
            self.word_len.0 >= 1 && self.word_len.0 <= self.word_len.1,
            "skills.word_len must be a range (low, high) with 1 <= low <= high"
        );
        ensure!(
            self.mix.iter().any(|&w| w > 0),
            "skills.mix needs a weight above 0"
        );
        Ok(())
    }
}

// ANCHOR: addition_lines
/// How an addition is written: the answer alone after `=`, or worked steps after `:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `347+85=432`
    Direct,
    /// `347+85:7+5=12,4+8+1=13,3+0+1=4;432`
    Worked,
}

impl Format {
    /// Both formats.
    pub const ALL: [Format; 2] = [Format::Direct, Format::Worked];

    /// The prompt of `problem` in this format: `347+85=` or `347+85:`.
    pub fn prompt(self, problem: &Addition) -> String {
        match self {
            Format::Direct => problem.prompt(),
            Format::Worked => format!("{}+{}:", problem.a, problem.b),
        }
    }

    /// What follows the prompt: the answer, or the steps and the answer.
    pub fn completion(self, problem: &Addition) -> String {
        match self {
            Format::Direct => problem.direct(),
            Format::Worked => problem.worked(),
        }
    }
}
// ANCHOR_END: addition_lines

// ANCHOR: code_lines
/// A code book: a few random words and their code words, new for every line. A line looks words up in it,
/// again and again: `kab:TUR fox:LIM kab:TUR wed:OSA fox:LIM`.
pub struct CodeBook {
    entries: Vec<(String, String)>,
}

impl CodeBook {
    /// A book of `entries` words (all different) of [`CODE_LEN`] letters, each with a random code word in
    /// capitals.
    pub fn sample(entries: usize, rng: &mut ChaCha8Rng) -> Self {
        let mut words: Vec<String> = Vec::with_capacity(entries);
        while words.len() < entries {
            let w = random_letters(CODE_LEN, rng);
            if !words.contains(&w) {
                words.push(w);
            }
        }
        let entries = (words.into_iter())
            .map(|w| (w, random_letters(CODE_LEN, rng).to_uppercase()))
            .collect();
        CodeBook { entries }
    }

    /// One entry, drawn at random: `(word, code word)`.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> &(String, String) {
        &self.entries[rng.random_range(0..self.entries.len())]
    }
}

/// Letters per word and per code word.
pub const CODE_LEN: usize = 3;

/// `len` random lowercase letters (repeats allowed).
fn random_letters(len: usize, rng: &mut ChaCha8Rng) -> String {
    let letters: Vec<char> = WORD_LETTERS.chars().collect();
    (0..len)
        .map(|_| letters[rng.random_range(0..letters.len())])
        .collect()
}

/// A few-shot code prompt: `shots` look-ups in a fresh book of `entries` words, then one of its words and
/// `:`; the answer is that word's code word. Only a word the examples looked up can be known; another can
/// only be guessed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodePrompt {
    /// `kab:TUR fox:LIM fox:`
    pub prompt: String,
    /// `LIM`
    pub answer: String,
    /// Whether the examples looked up the query's word.
    pub shown: bool,
}

/// A few-shot prompt of `shots` look-ups in a book of `entries` words (see [`CodePrompt`]).
pub fn code_prompt(shots: usize, entries: usize, rng: &mut ChaCha8Rng) -> CodePrompt {
    let book = CodeBook::sample(entries, rng);
    let examples: Vec<&(String, String)> = (0..shots).map(|_| book.draw(rng)).collect();
    let (query, answer) = book.draw(rng);
    let mut prompt: String = examples.iter().map(|(w, c)| format!("{w}:{c} ")).collect();
    prompt += &format!("{query}:");
    CodePrompt {
        prompt,
        answer: answer.clone(),
        shown: examples.iter().any(|(w, _)| w == query),
    }
}

/// The share of `shots`-example prompts on a book of `entries` words that show the query's word: what a
/// perfect reader gets right, since an unseen code word is a guess among 26³. `1 − (1 − 1/entries)^shots`.
pub fn ideal_code_accuracy(shots: usize, entries: usize) -> f64 {
    1.0 - (1.0 - 1.0 / entries.max(1) as f64).powi(shots as i32)
}
// ANCHOR_END: code_lines

// ANCHOR: op_lines
/// A random word of `len` lowercase letters, no letter twice (so that `sort` and `reverse` are unambiguous
/// to read).
pub fn word(len: usize, rng: &mut ChaCha8Rng) -> String {
    let mut letters: Vec<char> = WORD_LETTERS.chars().collect();
    letters.shuffle(rng);
    letters[..len.min(letters.len())].iter().collect()
}

/// How a skills text words its string operations in one language: their names, the prose line and the
/// instruction. `{op}` is the operation's name, `{word}` the word it works on.
pub struct Phrasing {
    /// The operation's name: `reverse`, `倒序`.
    pub name: fn(StringOp) -> &'static str,
    /// The prose line up to where the result starts: `the {op} of {word} is `.
    pub prose: &'static str,
    /// What ends a prose line, after the result: `.`, `。`.
    pub full_stop: char,
    /// The instruction up to where the answer starts: `Q: {op} {word} A: `.
    pub instruction: &'static str,
}

/// English, the default: `the reverse of lamp is pmal.`, `Q: reverse lamp A: pmal`.
const ENGLISH: Phrasing = Phrasing {
    name: StringOp::name,
    prose: "the {op} of {word} is ",
    full_stop: '.',
    instruction: "Q: {op} {word} A: ",
};

impl Phrasing {
    /// The prose line describing `op` on `word`: `the reverse of lamp is pmal.`
    pub fn prose(&self, op: StringOp, word: &str) -> String {
        format!(
            "{}{}{}",
            self.prose_prompt(op, word),
            op.apply(word),
            self.full_stop
        )
    }

    /// The prose line up to where the result starts: `the reverse of lamp is `.
    pub fn prose_prompt(&self, op: StringOp, word: &str) -> String {
        self.fill(self.prose, op, word)
    }

    /// The instruction asking for `op` on `word`, up to where the answer starts: `Q: reverse lamp A: `
    pub fn instruction(&self, op: StringOp, word: &str) -> String {
        self.fill(self.instruction, op, word)
    }

    /// `template` with `op`'s name and `word` filled in.
    fn fill(&self, template: &str, op: StringOp, word: &str) -> String {
        template
            .replace("{op}", (self.name)(op))
            .replace("{word}", word)
    }
}
// ANCHOR_END: op_lines

/// Simplified Chinese: `lamp 的倒序是 pmal。`, `问：倒序 lamp 答：pmal`.
const CHINESE: Phrasing = Phrasing {
    name: chinese_name,
    prose: "{word} 的{op}是 ",
    full_stop: '。',
    instruction: "问：{op} {word} 答：",
};

/// An operation's Chinese name, read as `lamp 的…是`.
fn chinese_name(op: StringOp) -> &'static str {
    match op {
        StringOp::Reverse => "倒序",
        StringOp::Upper => "大写",
        StringOp::Double => "叠写",
        StringOp::First => "首字母",
        StringOp::Last => "末字母",
        StringOp::Sort => "排序",
        StringOp::Rotate => "轮转",
        StringOp::Spell => "拼写",
    }
}

/// How a skills text in `language` words its operations.
pub fn phrasing(language: Language) -> &'static Phrasing {
    language.either(&ENGLISH, &CHINESE)
}

impl Phrasing {
    /// A model's completion of a prose prompt as an answer: without the full stop that ends the line.
    pub fn prose_answer<'a>(&self, said: &'a str) -> &'a str {
        said.trim_end_matches(self.full_stop)
    }

    /// The characters of the prose and the instructions: the templates' and the operations' names.
    fn characters(&self) -> String {
        let templates =
            [self.prose, self.instruction].map(|t| t.replace("{op}", "").replace("{word}", ""));
        let names = StringOp::ALL.map(self.name).concat();
        format!("{}{}{names}", templates.concat(), self.full_stop)
    }
}

/// The English prose line describing `op` on `word`: `the reverse of lamp is pmal.`
pub fn prose(op: StringOp, word: &str) -> String {
    ENGLISH.prose(op, word)
}

/// The English prose line up to where the result starts: `the reverse of lamp is `.
pub fn prose_prompt(op: StringOp, word: &str) -> String {
    ENGLISH.prose_prompt(op, word)
}

/// The English instruction asking for `op` on `word`, up to where the answer starts: `Q: reverse lamp A: `
pub fn instruction(op: StringOp, word: &str) -> String {
    ENGLISH.instruction(op, word)
}

// ANCHOR: echo
/// An echo line: a random run of 4 to 12 letters, written again and again up to about 40 characters:
/// `qzmfkw qzmfkw qzmfkw qzmfkw qzmfkw qz`. Real text repeats itself too (a name, a phrase); repetition is
/// what teaches a model to copy from its context, the skill every look-up in a code book needs.
pub fn echo(rng: &mut ChaCha8Rng) -> String {
    let segment = random_letters(rng.random_range(4..=12), rng) + " ";
    segment
        .chars()
        .cycle()
        .take(40)
        .collect::<String>()
        .trim_end()
        .to_string()
}
// ANCHOR_END: echo

// ANCHOR: skills_text
/// One line of the skills text, drawn from the config's mix.
pub fn line(cfg: &SkillsConfig, rng: &mut ChaCha8Rng) -> String {
    let total: u32 = cfg.mix.iter().sum();
    let mut pick = rng.random_range(0..total);
    let kind = cfg.mix.iter().position(|&w| {
        let here = pick < w;
        pick = pick.saturating_sub(w);
        here
    });
    let word_len = |rng: &mut ChaCha8Rng| rng.random_range(cfg.word_len.0..=cfg.word_len.1);
    let words = phrasing(cfg.language);
    match kind.expect("the weights sum to total") {
        kind @ (0 | 1) => {
            let format = Format::ALL[kind];
            let problem = Addition::sample(rng.random_range(1..=cfg.max_digits), rng);
            format.prompt(&problem) + &format.completion(&problem)
        }
        2 => {
            let book = CodeBook::sample(cfg.code_entries, rng);
            (0..cfg.code_lookups)
                .map(|_| {
                    let (word, code) = book.draw(rng);
                    format!("{word}:{code}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        3 => {
            let op = StringOp::ALL[rng.random_range(0..StringOp::ALL.len())];
            words.prose(op, &word(word_len(rng), rng))
        }
        5 => echo(rng),
        _ => match cfg.instructed.as_slice() {
            [] => words.prose(StringOp::Reverse, &word(word_len(rng), rng)),
            ops => {
                let op = ops[rng.random_range(0..ops.len())];
                let w = word(word_len(rng), rng);
                words.instruction(op, &w) + &op.apply(&w)
            }
        },
    }
}

/// A skills text of at least `chars` characters: lines from [`line`] joined by newlines, seeded by `seed`.
pub fn text(cfg: &SkillsConfig, chars: usize, seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = String::with_capacity(chars + 64);
    let mut count = 0;
    while count < chars {
        let line = line(cfg, &mut rng);
        count += line.chars().count() + 1;
        out += &line;
        out.push('\n');
    }
    out
}
// ANCHOR_END: skills_text

/// Every character an English skills text can contain, so a character tokenizer fitted on it covers any
/// prompt.
pub fn alphabet() -> String {
    alphabet_in(Language::En)
}

/// Every character a skills text in `language` can contain: digits, letters, the sums' and code books'
/// marks, and the prose's and instructions' words ([`Phrasing`]).
pub fn alphabet_in(language: Language) -> String {
    let mut chars: Vec<char> = format!(
        "0123456789+=:;,.- \n{WORD_LETTERS}{}{}",
        WORD_LETTERS.to_uppercase(),
        phrasing(language).characters()
    )
    .chars()
    .collect();
    chars.sort_unstable();
    chars.dedup();
    chars.into_iter().collect()
}
