//! Exercise 1.5, a solution.

/// Keep the smallest set of most likely tokens whose total probability reaches `p`, zero the rest,
/// renormalise (in place).
pub fn top_p_filter(probs: &mut [f64], p: f64) {
    if p >= 1.0 {
        return;
    }
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
    let mut total = 0.0;
    let mut keep = 0;
    for &i in &order {
        total += probs[i];
        keep += 1;
        if total >= p {
            break;
        }
    }
    for &i in &order[keep..] {
        probs[i] = 0.0;
    }
    let sum: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|q| *q /= sum);
}
