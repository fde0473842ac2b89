//! Exercise 3.4: the KV-cache append.
//!
//! Goal: when a model writes text token by token, the keys and values of the tokens it has already read do
//! not change. A KV cache keeps them, so each new token needs only its own query, key and value. Write the
//! cache's one operation: append the new keys and values to the cached ones. Once it passes, the checks decode
//! a sequence token by token with your cache and get exactly the outputs of attention over the whole sequence.
//! Rule: keys and values are `[B, H, T, d]`; time is dimension 2. The cached ones come first, the new ones
//! after. With nothing cached yet (`None`), the new ones are all there is.
//! Read: "The cost of attention" (book/src/ch03-cost.md).
//! Check: `jielong exercises check 3.4` (add `--hint` for a hint).
//!
//! 练习 3.4：KV 缓存的追加。
//! 目标：模型逐个 token 写文本时，已经读过的 token 的键和值不会再变。KV 缓存把它们存起来，于是每个新 token
//! 只需计算自己的查询、键和值。请写出缓存唯一的操作：把新的键和值接到缓存的后面。通过之后，检查程序会用你的
//! 缓存逐个 token 解码一段序列，得到与对整段序列做注意力完全相同的输出。
//! 规则：键和值的形状是 `[B, H, T, d]`，时间是第 2 维。缓存的在前，新的在后。还没有缓存（`None`）时，新的
//! 就是全部。
//! 阅读：《注意力的代价》（book/src/ch03-cost.md）。
//! 检查：`jielong exercises check 3.4`（加 `--hint` 可看提示）。

use tch::Tensor;

/// Every key and value so far: the `cached` ones (if any) followed by the new `k`, `v`, each `[B, H, T, d]`.
pub fn append(cached: Option<(Tensor, Tensor)>, k: &Tensor, v: &Tensor) -> (Tensor, Tensor) {
    let _ = (cached, k, v);
    todo!("exercise 3.4")
}
