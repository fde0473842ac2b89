//! Exercise 3.3: one BPE merge step (Sennrich et al., 2016).
//!
//! Goal: byte-pair encoding builds its vocabulary by merging, again and again, the pair of adjacent symbols
//! that occurs most often in the training words. Write one step: find that pair, then merge it everywhere.
//! Once it passes, your first three merges on a small text are the same as those of the library's tokenizer
//! (the `tokenizers` crate that `BpeTokenizer::train` uses).
//! Rules: a word is a list of symbols (strings); count every adjacent pair in every word (a word that occurs
//! ten times is ten entries of `words`). The most frequent pair wins; among equals, the pair seen first
//! (reading the words in order, left to right). A pair must occur at least twice to be merged (`None`
//! otherwise). Merging replaces, left to right and without overlap, each occurrence of `(a, b)` by `a + b`.
//! Read: "Self-supervised learning and BPE" (book/src/ch03-bpe.md).
//! Check: `jielong exercises check 3.3` (add `--hint` for a hint).
//!
//! 练习 3.3：BPE 的一次合并（Sennrich 等，2016）。
//! 目标：字节对编码（BPE）一次又一次地把训练词里出现最多的相邻符号对合并成一个新符号，由此建立词表。请写出
//! 其中一步：找到这一对，然后在所有地方合并它。通过之后，你在一段小文本上的前三次合并与库里分词器（
//! `BpeTokenizer::train` 所用的 `tokenizers` crate）的前三次合并相同。
//! 规则：一个词是一串符号（字符串）；统计每个词里每一对相邻符号（出现十次的词就是 `words` 里的十项）。出现
//! 最多的一对胜出；次数相同时取最先出现的一对（按词的顺序、从左到右读）。一对至少要出现两次才会被合并（否则
//! 返回 `None`）。合并时从左到右、不重叠地把每个 `(a, b)` 换成 `a + b`。
//! 阅读：《自监督学习与 BPE》（book/src/ch03-bpe.md）。
//! 检查：`jielong exercises check 3.3`（加 `--hint` 可看提示）。

/// The most frequent adjacent pair of symbols in `words` (first seen among equals), if it occurs at least
/// twice.
pub fn most_frequent_pair(words: &[Vec<String>]) -> Option<(String, String)> {
    let _ = words;
    todo!("exercise 3.3")
}

/// `words` with every occurrence of `pair` merged into one symbol, left to right.
pub fn merge_pair(words: &[Vec<String>], pair: &(String, String)) -> Vec<Vec<String>> {
    let _ = (words, pair);
    todo!("exercise 3.3")
}
