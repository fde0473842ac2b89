//! Exercise 1.4: softmax with temperature.
//!
//! Goal: turn a model's logits into the next-token distribution at temperature `T`. A low `T` sharpens the
//! distribution towards the most likely token, a high `T` flattens it towards uniform.
//! Formula: `p_i = exp(z_i / T) / Σ_j exp(z_j / T)`.
//! Read: "Sampling: temperature, top-k, top-p" (book/src/ch01-sampling.md).
//! Check: `jielong exercises check 1.4` (add `--hint` for a hint).
//!
//! 练习 1.4：带温度的 softmax。
//! 目标：把模型输出的 logits 变成温度为 `T` 时下一个 token 的概率分布。`T` 越低，分布越集中在最可能的
//! token 上；`T` 越高，分布越接近均匀。
//! 公式：`p_i = exp(z_i / T) / Σ_j exp(z_j / T)`。
//! 阅读：《采样：温度、top-k、top-p》（book/src/ch01-sampling.md）。
//! 检查：`jielong exercises check 1.4`（加 `--hint` 可看提示）。

/// `softmax(z / T)` of `logits` at `temperature > 0`, in f64, without overflow for large logits.
pub fn softmax_with_temperature(logits: &[f32], temperature: f64) -> Vec<f64> {
    let _ = (logits, temperature);
    todo!("exercise 1.4")
}
