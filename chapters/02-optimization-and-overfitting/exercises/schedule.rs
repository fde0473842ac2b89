//! Exercise 2.2: warm-up and cosine decay.
//!
//! Goal: the learning rate at a step. Start gently (a linear warm-up from almost 0 to `lr`), then keep `lr`
//! (`Schedule::Constant`) or let it fall along half a cosine to `lr × min_lr_ratio` at the last step
//! (`Schedule::Cosine`).
//! Formulas, with `w = cfg.warmup_steps`, `T = cfg.steps`: while `step < w`, `lr · (step + 1) / w`; after it,
//! constant `lr`, or with `progress = min(1, (step − w) / max(1, T − w))` and `lr_min = lr · min_lr_ratio`,
//! `lr_min + ½ (lr − lr_min)(1 + cos(π · progress))`.
//! Read: "Warm-up and cosine decay" (book/src/ch02-schedules.md), Listing 2.7.
//! Check: `jielong exercises check 2.2` (add `--hint` for a hint).
//!
//! 练习 2.2：预热与余弦衰减。
//! 目标：求某一步的学习率。先平缓起步（从接近 0 线性预热到 `lr`），之后要么保持 `lr` 不变
//! （`Schedule::Constant`），要么沿半个余弦下降，在最后一步降到 `lr × min_lr_ratio`（`Schedule::Cosine`）。
//! 公式（`w = cfg.warmup_steps`，`T = cfg.steps`）：当 `step < w` 时为 `lr · (step + 1) / w`；之后为常数
//! `lr`，或者令 `progress = min(1, (step − w) / max(1, T − w))`、`lr_min = lr · min_lr_ratio`，取
//! `lr_min + ½ (lr − lr_min)(1 + cos(π · progress))`。
//! 阅读：《预热与余弦衰减》（book/src/ch02-schedules.md），代码清单 2.7。
//! 检查：`jielong exercises check 2.2`（加 `--hint` 可看提示）。

use jielong::train::TrainConfig;

/// The learning rate of step `step` (0-based) under `cfg`'s `lr`, `schedule`, `warmup_steps`, `steps` and
/// `min_lr_ratio`.
pub fn learning_rate(step: usize, cfg: &TrainConfig) -> f64 {
    let _ = (step, cfg);
    todo!("exercise 2.2")
}
