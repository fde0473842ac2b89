//! Exercise 2.3: the early-stopping rule.
//!
//! Goal: the trainer estimates the validation loss every few steps. When it has not improved for `patience`
//! evaluations in a row, training stops, and the best evaluation's weights are the ones worth keeping.
//! Rule: walk the losses in order, remembering the best so far (only a *strictly* lower loss is a new best;
//! the first evaluation is the first best) and how many evaluations have passed since it. At the first
//! evaluation where that count reaches `patience`, stop: return `Some((that evaluation, the best one))`, as
//! indices into `val_losses`. `None` when patience never runs out, or when `patience` is 0 (off).
//! Read: "Early stopping" (book/src/ch02-early-stopping.md).
//! Check: `jielong exercises check 2.3` (add `--hint` for a hint).
//!
//! 练习 2.3：早停规则。
//! 目标：训练器每隔几步估计一次验证损失。若连续 `patience` 次评估都没有改进，就停止训练，值得保留的是
//! 最好那次评估时的权重。
//! 规则：按顺序遍历损失，记住迄今最好的一次（只有*严格*更低才算新的最好；第一次评估就是第一个最好值）以及
//! 此后又过了几次评估。在这个计数第一次达到 `patience` 的那次评估处停止：返回
//! `Some((这次评估, 最好的那次))`，都是 `val_losses` 的下标。耐心始终没有用完，或 `patience` 为 0（关闭）
//! 时返回 `None`。
//! 阅读：《早停》（book/src/ch02-early-stopping.md）。
//! 检查：`jielong exercises check 2.3`（加 `--hint` 可看提示）。

/// Where early stopping with `patience` stops on the validation losses `val_losses` of successive
/// evaluations: `Some((stop, best))` as indices, or `None` if it never stops.
pub fn early_stop(val_losses: &[f64], patience: usize) -> Option<(usize, usize)> {
    let _ = (val_losses, patience);
    todo!("exercise 2.3")
}
