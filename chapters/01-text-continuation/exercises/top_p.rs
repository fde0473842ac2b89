//! Exercise 1.5: top-p (nucleus) filtering.
//!
//! Goal: keep only the most likely tokens whose probabilities together reach `p`, so that the sampler never
//! picks from the long tail of unlikely tokens, however many there are.
//! Rule: sort the tokens from most to least likely (ties: lower id first); keep the smallest prefix whose
//! total is `≥ p`; set the others to 0; divide by the kept total. `p ≥ 1` changes nothing.
//! Read: "Sampling: temperature, top-k, top-p" (book/src/ch01-sampling.md).
//! Check: `jielong exercises check 1.5` (add `--hint` for a hint).
//!
//! 练习 1.5：top-p（核采样）过滤。
//! 目标：只保留概率之和达到 `p` 的那些最可能的 token，让采样永远不会落到长长的低概率尾巴上。
//! 规则：把 token 按概率从大到小排序（相等时 id 小的在前）；保留总和 `≥ p` 的最短前缀；其余置 0；再除以
//! 保留部分的总和。`p ≥ 1` 时不做任何改变。
//! 阅读：《采样：温度、top-k、top-p》（book/src/ch01-sampling.md）。
//! 检查：`jielong exercises check 1.5`（加 `--hint` 可看提示）。

/// Keep the smallest set of most likely tokens whose total probability reaches `p`, zero the rest,
/// renormalise (in place).
pub fn top_p_filter(probs: &mut [f64], p: f64) {
    let _ = (probs, p);
    todo!("exercise 1.5")
}
