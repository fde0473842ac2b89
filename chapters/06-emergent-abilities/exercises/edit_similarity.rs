//! Exercise 6.3: edit similarity.
//!
//! Goal: per-character accuracy punishes an answer that lost one digit at the front: every later digit is then
//! in the wrong place. Edit similarity forgives it: it counts the fewest insertions, deletions and substitutions
//! of characters that turn the answer into the target (the Levenshtein distance). Write the distance yourself
//! (no crate). Once it passes, your similarity equals the library's (`eval::edit_similarity`, which uses the
//! `strsim` crate) on hundreds of random answers.
//! Formulas: the table `d[i][j]`, the distance between the first `i` characters of `a` and the first `j` of `b`:
//! `d[i][0] = i`, `d[0][j] = j`, `d[i][j] = min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + [a_i ≠ b_j])`;
//! similarity `1 − d / max(|a|, |b|)` on the trimmed strings, counted in characters; two empty strings: 1.
//! Read: "A mirage?" (book/src/ch06-mirage.md), Listing 6.19.
//! Check: `jielong exercises check 6.3` (add `--hint` for a hint).
//!
//! 练习 6.3：编辑相似度。
//! 目标：逐字符准确率会重罚一个在开头丢了一位数字的回答：后面的每一位都错了位置。编辑相似度则宽容它：它数的是
//! 把回答变成目标所需的最少插入、删除和替换字符的次数（Levenshtein 距离）。请自己写出这个距离（不用 crate）。
//! 通过之后，你的相似度在数百个随机回答上都与库里的（`eval::edit_similarity`，它用的是 `strsim` crate）相同。
//! 公式：表格 `d[i][j]` 是 `a` 的前 `i` 个字符与 `b` 的前 `j` 个字符之间的距离：`d[i][0] = i`，`d[0][j] = j`，
//! `d[i][j] = min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + [a_i ≠ b_j])`；相似度为
//! `1 − d / max(|a|, |b|)`，作用于去掉首尾空白后的字符串，按字符计数；两个空字符串的相似度为 1。
//! 阅读：《是海市蜃楼吗？》（book/src/ch06-mirage.md），代码清单 6.19。
//! 检查：`jielong exercises check 6.3`（加 `--hint` 可看提示）。

/// `1 − levenshtein(answer, target) / max(|answer|, |target|)` on the trimmed strings, in characters.
pub fn edit_similarity(answer: &str, target: &str) -> f64 {
    let _ = (answer, target);
    todo!("exercise 6.3")
}
