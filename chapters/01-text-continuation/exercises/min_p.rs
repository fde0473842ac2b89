//! Exercise 1.1: min-p sampling (Nguyen et al., 2024).
//!
//! Goal: top-p keeps a fixed *mass*; min-p keeps every token whose probability is at least `min_p` times the
//! most likely token's. When the model is sure, few tokens pass; when it hesitates, many do.
//! Rule: threshold = `min_p × max(probs)`; zero every probability below it; renormalise.
//! Read: "Sampling: temperature, top-k, top-p" (book/src/ch01-sampling.md).
//! Check: `jielong exercises check 1.1` (add `--hint` for a hint).
//!
//! 练习 1.1：min-p 采样（Nguyen 等，2024）。
//! 目标：top-p 保留固定的概率*总量*；min-p 则保留所有概率不低于最可能 token 的 `min_p` 倍的 token。模型有把握
//! 时留下的很少，犹豫时留下的很多。
//! 规则：阈值 = `min_p × max(probs)`；低于阈值的概率置 0；再归一化。
//! 阅读：《采样：温度、top-k、top-p》（book/src/ch01-sampling.md）。
//! 检查：`jielong exercises check 1.1`（加 `--hint` 可看提示）。

/// Keep every token whose probability is at least `min_p × max(probs)`, zero the others, renormalise.
pub fn min_p_filter(probs: &mut [f64], min_p: f64) {
    let _ = (probs, min_p);
    todo!("exercise 1.1")
}
