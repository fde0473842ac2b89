//! Exercise 2.2, a solution.

use jielong::train::{Schedule, TrainConfig};

/// The learning rate of step `step` (0-based) under `cfg`'s `lr`, `schedule`, `warmup_steps`, `steps` and
/// `min_lr_ratio`.
pub fn learning_rate(step: usize, cfg: &TrainConfig) -> f64 {
    if step < cfg.warmup_steps {
        return cfg.lr * (step + 1) as f64 / cfg.warmup_steps as f64;
    }
    match cfg.schedule {
        Schedule::Constant => cfg.lr,
        Schedule::Cosine => {
            let span = (cfg.steps - cfg.warmup_steps).max(1) as f64;
            let progress = ((step - cfg.warmup_steps) as f64 / span).min(1.0);
            let min_lr = cfg.lr * cfg.min_lr_ratio;
            min_lr + 0.5 * (cfg.lr - min_lr) * (1.0 + (std::f64::consts::PI * progress).cos())
        }
    }
}
