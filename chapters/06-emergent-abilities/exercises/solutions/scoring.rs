//! Exercise 6.2, a solution.

/// 1.0 if `answer` is `target` (ends trimmed), else 0.0.
pub fn exact_match(answer: &str, target: &str) -> f64 {
    if answer.trim() == target.trim() {
        1.0
    } else {
        0.0
    }
}

/// The fraction of the target's characters that the answer has at the same position (ends trimmed).
pub fn char_accuracy(answer: &str, target: &str) -> f64 {
    let target: Vec<char> = target.trim().chars().collect();
    if target.is_empty() {
        return exact_match(answer, "");
    }
    let right = answer
        .trim()
        .chars()
        .zip(&target)
        .filter(|(a, t)| a == *t)
        .count();
    right as f64 / target.len() as f64
}
