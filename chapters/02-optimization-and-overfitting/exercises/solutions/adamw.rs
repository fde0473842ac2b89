//! Exercise 2.1, a solution.

use jielong::train::TrainConfig;
use tch::Tensor;

/// One AdamW step at step number `t` (1, 2, …) with learning rate `lr`: from the parameter `theta`, its
/// gradient `grad` and the moments `m`, `v` before the step, return `(θ, m, v)` after it.
pub fn adamw_update(
    theta: &Tensor,
    grad: &Tensor,
    m: &Tensor,
    v: &Tensor,
    t: i32,
    lr: f64,
    cfg: &TrainConfig,
) -> (Tensor, Tensor, Tensor) {
    let (b1, b2) = (cfg.beta1, cfg.beta2);
    let m = m * b1 + grad * (1.0 - b1);
    let v = v * b2 + grad.square() * (1.0 - b2);
    let m_hat = &m / (1.0 - b1.powi(t));
    let v_hat = &v / (1.0 - b2.powi(t));
    let mut update = m_hat / (v_hat.sqrt() + 1e-8);
    if theta.dim() >= 2 {
        update += theta * cfg.weight_decay; // decoupled decay, matrices only
    }
    (theta - update * lr, m, v)
}
