//! Exercise 6.2: exact match and per-character accuracy (Schaeffer et al., 2023).
//!
//! Goal: is an emergent ability a sudden jump, or a smooth improvement that an all-or-nothing score hides?
//! Write both scores. Exact match gives a five-digit sum with one wrong digit 0, like nonsense; per-character
//! accuracy gives it 0.8. Once it passes, your scores equal the library's on every answer of the checks.
//! Rules: trim both strings first and count characters (`chars()`), not bytes. Exact match: 1.0 if the answer
//! is the target, else 0.0. Per-character accuracy: the number of positions where the answer has the target's
//! character, divided by the target's length (an answer longer than the target gets no credit for the extra
//! characters); an empty target scores as exact match.
//! Read: "A mirage?" (book/src/ch06-mirage.md), Listing 6.19.
//! Check: `jielong exercises check 6.2` (add `--hint` for a hint).
//!
//! 练习 6.2：完全匹配与逐字符准确率（Schaeffer 等，2023）。
//! 目标：涌现能力是突然的跃变，还是被“全对或全错”的评分掩盖了的平滑进步？请写出两种评分。完全匹配给错了一位
//! 的五位数和打 0 分，和胡言乱语一样；逐字符准确率给它 0.8。通过之后，你的评分在检查里的每个回答上都与库相同。
//! 规则：先去掉两个字符串首尾的空白，按字符（`chars()`）而不是字节计数。完全匹配：回答与目标相同为 1.0，否则
//! 为 0.0。逐字符准确率：回答在同一位置上与目标字符相同的个数，除以目标的长度（回答比目标长时，多出的字符不
//! 得分）；目标为空时按完全匹配计分。
//! 阅读：《是海市蜃楼吗？》（book/src/ch06-mirage.md），代码清单 6.19。
//! 检查：`jielong exercises check 6.2`（加 `--hint` 可看提示）。

/// 1.0 if `answer` is `target` (ends trimmed), else 0.0.
pub fn exact_match(answer: &str, target: &str) -> f64 {
    let _ = (answer, target);
    todo!("exercise 6.2")
}

/// The fraction of the target's characters that the answer has at the same position (ends trimmed).
pub fn char_accuracy(answer: &str, target: &str) -> f64 {
    let _ = (answer, target);
    todo!("exercise 6.2")
}
