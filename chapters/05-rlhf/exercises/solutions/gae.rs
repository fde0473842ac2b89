//! Exercise 5.2, a solution.

/// The advantages and the returns of one episode with per-step `rewards` and `values` (as many), discount
/// `gamma` and GAE's `lambda`.
pub fn gae(rewards: &[f64], values: &[f64], gamma: f64, lambda: f64) -> (Vec<f64>, Vec<f64>) {
    let t = rewards.len();
    let mut advantages = vec![0.0; t];
    let mut next_advantage = 0.0;
    for i in (0..t).rev() {
        let next_value = if i + 1 < t { values[i + 1] } else { 0.0 };
        let delta = rewards[i] + gamma * next_value - values[i];
        next_advantage = delta + gamma * lambda * next_advantage;
        advantages[i] = next_advantage;
    }
    let returns = advantages.iter().zip(values).map(|(a, v)| a + v).collect();
    (advantages, returns)
}
