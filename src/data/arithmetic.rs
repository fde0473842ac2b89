//! Multi-digit addition, written two ways (chapter 6): the answer alone, or the answer after worked steps —
//! one column at a time, right to left, each step a one-digit sum a small model can learn by heart.
//!
//! ```text
//! direct:  347+85=432
//! worked:  347+85:7+5=12,4+8+1=13,3+0+1=4;432
//! ```
//!
//! This module writes the problem ([`Addition::prompt`]) and the two completions; chapter 6's text marks which
//! form a line uses by the sign after the problem (`=` or `:`, see `data::skills::Format`).
//!
//! In the worked form each column's sum is written out with the carry it received; the answer's digits are the
//! last digits of those sums, read backwards, after a final carry. Chain of thought, in its smallest form.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One addition problem `a + b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addition {
    /// The first operand.
    pub a: u64,
    /// The second operand.
    pub b: u64,
}

/// Separates the worked steps from the answer.
pub const ANSWER_MARK: char = ';';

impl Addition {
    /// A problem whose operands both have exactly `digits` digits (0–9 for one digit).
    pub fn sample(digits: u32, rng: &mut ChaCha8Rng) -> Self {
        let low = if digits <= 1 {
            0
        } else {
            10u64.pow(digits - 1)
        };
        let high = 10u64.pow(digits.max(1));
        Addition {
            a: rng.random_range(low..high),
            b: rng.random_range(low..high),
        }
    }

    /// What the model is given: `"347+85="`.
    pub fn prompt(&self) -> String {
        format!("{}+{}=", self.a, self.b)
    }

    /// The answer alone: `"432"`.
    pub fn direct(&self) -> String {
        (self.a + self.b).to_string()
    }

    // ANCHOR: worked
    /// The worked steps and the answer: `"7+5=12,4+8+1=13,3+0+1=4;432"`. Column `i` (from the right) adds the
    /// operands' digits `i` and the carry from column `i − 1`, written only when it is 1.
    pub fn worked(&self) -> String {
        let (mut a, mut b, mut carry) = (self.a, self.b, 0);
        let mut steps = Vec::new();
        loop {
            let (da, db) = (a % 10, b % 10);
            let sum = da + db + carry;
            steps.push(if carry > 0 {
                format!("{da}+{db}+{carry}={sum}")
            } else {
                format!("{da}+{db}={sum}")
            });
            (a, b, carry) = (a / 10, b / 10, sum / 10);
            if a == 0 && b == 0 {
                break;
            }
        }
        format!("{}{ANSWER_MARK}{}", steps.join(","), self.direct())
    }
    // ANCHOR_END: worked
}

/// The number a completion gives as its answer: for a `worked` completion the digits after the last
/// [`ANSWER_MARK`] (`None` if the steps never reached it), for a direct one the digits it starts with; in
/// both cases up to the first other character. `None` if there are no digits.
pub fn parse_answer(completion: &str, worked: bool) -> Option<u64> {
    let tail = if worked {
        completion.rsplit_once(ANSWER_MARK)?.1
    } else {
        completion
    };
    let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}
