//! Exercise 1.2: repetition penalty.

/// For every distinct token id in `context`: divide its logit by `penalty` if positive, multiply if negative.
pub fn apply_repetition_penalty(logits: &mut [f32], context: &[i64], penalty: f32) {
    let _ = (logits, context, penalty);
    todo!("exercise 1.2")
}
