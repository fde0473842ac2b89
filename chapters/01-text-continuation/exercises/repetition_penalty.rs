//! Exercise 1.2: repetition penalty (Keskar et al., 2019, CTRL).
//!
//! Goal: discourage tokens that already occur in the context, before softmax.
//! Rule: for every *distinct* id in the context, a positive logit is divided by the penalty and a negative one
//! multiplied by it (both make the token less likely). A token seen three times is penalised once.
//! Read: "Presets and repetition" (book/src/ch01-presets.md).
//! Check: `jielong exercises check 1.2` (add `--hint` for a hint).
//!
//! 练习 1.2：重复惩罚（Keskar 等，2019，CTRL）。
//! 目标：在 softmax 之前，压低上下文里已经出现过的 token。
//! 规则：对上下文中每个*不同的* id，正的 logit 除以惩罚系数，负的 logit 乘以它（两者都让该 token 更不可能）。
//! 出现三次的 token 也只惩罚一次。
//! 阅读：《预设与重复》（book/src/ch01-presets.md）。
//! 检查：`jielong exercises check 1.2`（加 `--hint` 可看提示）。

/// For every distinct token id in `context`: divide its logit by `penalty` if positive, multiply if negative.
pub fn apply_repetition_penalty(logits: &mut [f32], context: &[i64], penalty: f32) {
    let _ = (logits, context, penalty);
    todo!("exercise 1.2")
}
