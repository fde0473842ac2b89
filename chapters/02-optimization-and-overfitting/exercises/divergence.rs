//! Exercise 2.4: a divergence detector.
//!
//! Goal: a learning rate that is too high makes the loss explode. The trainer should notice at once, stop the
//! run with a clear status, and never save the broken weights.
//! Rule: the run diverged if `loss` is not finite (NaN or ±∞: NaN weights never recover), or if
//! `loss > diverge_factor × L₀`, with `L₀` the estimated training loss at step 0. A factor of 0, or no `L₀`
//! (`None`), means that only a non-finite loss counts.
//! Read: "The learning rate: too high, too low" (book/src/ch02-learning-rate.md), Listing 2.4.
//! Check: `jielong exercises check 2.4` (add `--hint` for a hint).
//!
//! 练习 2.4：发散检测。
//! 目标：学习率太高会让损失爆炸。训练器应当立刻发现，以明确的状态结束这次训练，并且绝不保存已经坏掉的权重。
//! 规则：如果 `loss` 不是有限数（NaN 或 ±∞：权重一旦变成 NaN 就再也回不来），或者
//! `loss > diverge_factor × L₀`（`L₀` 是第 0 步估计的训练损失），就判定为发散。系数为 0 或没有 `L₀`
//! （`None`）时，只有非有限的损失才算发散。
//! 阅读：《学习率：太高与太低》（book/src/ch02-learning-rate.md），代码清单 2.4。
//! 检查：`jielong exercises check 2.4`（加 `--hint` 可看提示）。

/// Whether the training loss `loss` says the run diverged, given the initial loss `initial_loss` and the
/// factor `diverge_factor`.
pub fn diverged(loss: f64, initial_loss: Option<f64>, diverge_factor: f64) -> bool {
    let _ = (loss, initial_loss, diverge_factor);
    todo!("exercise 2.4")
}
