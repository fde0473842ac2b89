//! Exercise 4.1, a solution.

/// `mask[t]`: token `t` of `ids` is the assistant's to learn (after an `assistant` id, up to and including
/// the `end` id that closes it).
pub fn assistant_mask(ids: &[i64], assistant: i64, end: i64) -> Vec<bool> {
    let mut in_answer = false;
    ids.iter()
        .map(|&id| {
            let learn = in_answer; // the mark is taken before the switch
            if id == assistant {
                in_answer = true;
            } else if id == end {
                in_answer = false;
            }
            learn
        })
        .collect()
}
