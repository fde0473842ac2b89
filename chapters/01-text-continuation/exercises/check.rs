//! Checks for chapter 1's exercises. `cargo test --test ch01_exercises --features student` checks your
//! answers; without the feature, the reference solutions (so CI knows the checks pass on a right answer).

#[cfg(feature = "student")]
#[path = "."]
mod answer {
    pub mod bigram_counts;
    pub mod min_p;
    pub mod repetition_penalty;
}
#[cfg(not(feature = "student"))]
#[path = "solutions"]
mod answer {
    pub mod bigram_counts;
    pub mod min_p;
    pub mod repetition_penalty;
}

use answer::bigram_counts::{bigram_probabilities, cross_entropy};
use answer::min_p::min_p_filter;
use answer::repetition_penalty::apply_repetition_penalty;

fn assert_close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-9, "{a:?} != {b:?}");
    }
}

#[test]
fn min_p_keeps_tokens_above_the_scaled_maximum() {
    let mut probs = vec![0.5, 0.3, 0.1, 0.06, 0.04];
    min_p_filter(&mut probs, 0.2); // threshold 0.1: keeps 0.5, 0.3, 0.1
    assert_close(&probs, &[0.5 / 0.9, 0.3 / 0.9, 0.1 / 0.9, 0.0, 0.0]);
}

#[test]
fn min_p_zero_keeps_everything_and_one_keeps_the_top() {
    let mut all = vec![0.7, 0.2, 0.1];
    min_p_filter(&mut all, 0.0);
    assert_close(&all, &[0.7, 0.2, 0.1]);
    let mut top = vec![0.2, 0.7, 0.1];
    min_p_filter(&mut top, 1.0);
    assert_close(&top, &[0.0, 1.0, 0.0]);
}

#[test]
fn repetition_penalty_divides_positive_and_multiplies_negative_logits() {
    let mut logits = vec![2.0, -1.0, 3.0, 0.5];
    apply_repetition_penalty(&mut logits, &[0, 1, 0, 0], 2.0);
    assert_eq!(logits, vec![1.0, -2.0, 3.0, 0.5]);
}

#[test]
fn repetition_penalty_of_one_changes_nothing() {
    let mut logits = vec![2.0, -1.0, 3.0];
    apply_repetition_penalty(&mut logits, &[0, 1, 2], 1.0);
    assert_eq!(logits, vec![2.0, -1.0, 3.0]);
}

#[test]
fn bigram_probabilities_are_conditional_frequencies() {
    // text "abab a" as ids: a=0 b=1 ' '=2 → pairs a→b, b→a, a→b, b→2, 2→a
    let ids = [0, 1, 0, 1, 2, 0];
    let p = bigram_probabilities(&ids, 3, 0.0);
    assert_close(&p[0], &[0.0, 1.0, 0.0]);
    assert_close(&p[1], &[0.5, 0.0, 0.5]);
    assert_close(&p[2], &[1.0, 0.0, 0.0]);
}

#[test]
fn smoothing_adds_to_every_count() {
    let p = bigram_probabilities(&[0, 1], 2, 1.0); // row 0: counts 1+0, 1+1
    assert_close(&p[0], &[1.0 / 3.0, 2.0 / 3.0]);
    assert_close(&p[1], &[0.5, 0.5]);
}

#[test]
fn cross_entropy_of_counted_bigrams_matches_hand_computation() {
    let ids = [0, 1, 0, 1, 2, 0];
    let p = bigram_probabilities(&ids, 3, 0.0);
    // pairs: a→b (p=1), b→a (½), a→b (1), b→' ' (½), ' '→a (1)
    let expected = (2.0 * 0.5f64.ln().abs()) / 5.0;
    assert!((cross_entropy(&p, &ids) - expected).abs() < 1e-12);
}
