//! Exercise 1.3: the bigram model by counting.
//!
//! Goal: the best bigram table need not be trained: it can be counted. Then measure it with the chapter's loss.
//! Formulas: `p[a][b] = (count(a → b) + s) / Σ_c (count(a → c) + s)` over consecutive pairs, with smoothing `s`;
//! the cross-entropy `L = −(1/N) Σ_t ln p[x_t][x_{t+1}]` over the `N` pairs of the text.
//! Read: "Two models: bigram and GPT" and "Learning: cross-entropy" (book/src/ch01-models.md,
//! book/src/ch01-training.md).
//! Check: `jielong exercises check 1.3` (add `--hint` for a hint).
//!
//! 练习 1.3：用计数得到二元（bigram）模型。
//! 目标：最好的二元概率表不必训练，可以直接数出来；再用本章的损失函数衡量它。
//! 公式：对相邻的 token 对，`p[a][b] = (count(a → b) + s) / Σ_c (count(a → c) + s)`，`s` 为平滑值；
//! 交叉熵 `L = −(1/N) Σ_t ln p[x_t][x_{t+1}]`，对文本中全部 `N` 个相邻对求平均。
//! 阅读：《两个模型：bigram 与 GPT》《学习：交叉熵》（book/src/ch01-models.md、book/src/ch01-training.md）。
//! 检查：`jielong exercises check 1.3`（加 `--hint` 可看提示）。

/// `p[a][b] = (count(a → b) + smoothing) / Σ_c (count(a → c) + smoothing)` over consecutive pairs of `ids`.
pub fn bigram_probabilities(ids: &[i64], vocab_size: usize, smoothing: f64) -> Vec<Vec<f64>> {
    let _ = (ids, vocab_size, smoothing);
    todo!("exercise 1.3")
}

/// Mean of `−ln p[ids[t]][ids[t+1]]` over every consecutive pair.
pub fn cross_entropy(probs: &[Vec<f64>], ids: &[i64]) -> f64 {
    let _ = (probs, ids);
    todo!("exercise 1.3")
}
