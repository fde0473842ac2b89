//! Exercise 5.2: generalized advantage estimation (Schulman et al., 2016).
//!
//! Goal: PPO needs to know, for each token of an answer, how much better things went than the value model
//! expected. GAE mixes one-step surprises (`λ = 0`) and the whole rest of the episode (`λ = 1`).
//! Formulas, for one episode of `T` steps: the temporal difference `δₜ = rₜ + γ V(sₜ₊₁) − V(sₜ)` (with `V = 0`
//! after the last step), then backwards `Aₜ = δₜ + γλ Aₜ₊₁` (with `A = 0` after the last step). Return the
//! advantages and the returns `Aₜ + V(sₜ)`, the value model's targets.
//! Read: "PPO" (book/src/ch05-ppo.md).
//! Check: `jielong exercises check 5.2` (add `--hint` for a hint).
//!
//! 练习 5.2：广义优势估计（GAE）（Schulman 等，2016）。
//! 目标：PPO 需要知道回答里每个 token 的结果比价值模型预期的好多少，即优势。GAE 在单步的意外（`λ = 0`）与
//! 整个剩余回合（`λ = 1`）之间折中。
//! 公式（一个 `T` 步的回合）：时序差分 `δₜ = rₜ + γ V(sₜ₊₁) − V(sₜ)`（最后一步之后 `V = 0`），再从后往前
//! `Aₜ = δₜ + γλ Aₜ₊₁`（最后一步之后 `A = 0`）。返回优势，以及回报 `Aₜ + V(sₜ)`（价值模型的目标）。
//! 阅读：《PPO》（book/src/ch05-ppo.md）。
//! 检查：`jielong exercises check 5.2`（加 `--hint` 可看提示）。

/// The advantages and the returns of one episode with per-step `rewards` and `values` (as many), discount
/// `gamma` and GAE's `lambda`.
pub fn gae(rewards: &[f64], values: &[f64], gamma: f64, lambda: f64) -> (Vec<f64>, Vec<f64>) {
    let _ = (rewards, values, gamma, lambda);
    todo!("exercise 5.2")
}
