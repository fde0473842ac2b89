//! Exercise 3.3, a solution.

use std::collections::HashMap;

/// The most frequent adjacent pair of symbols in `words` (first seen among equals), if it occurs at least
/// twice.
pub fn most_frequent_pair(words: &[Vec<String>]) -> Option<(String, String)> {
    let mut counts: HashMap<(&str, &str), (usize, usize)> = HashMap::new(); // pair → (count, first seen)
    for word in words {
        for pair in word.windows(2) {
            let seen = counts.len();
            counts.entry((&pair[0], &pair[1])).or_insert((0, seen)).0 += 1;
        }
    }
    let best = counts
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))?;
    (best.1.0 >= 2).then(|| (best.0.0.to_string(), best.0.1.to_string()))
}

/// `words` with every occurrence of `pair` merged into one symbol, left to right.
pub fn merge_pair(words: &[Vec<String>], pair: &(String, String)) -> Vec<Vec<String>> {
    words
        .iter()
        .map(|word| {
            let mut merged = Vec::with_capacity(word.len());
            let mut i = 0;
            while i < word.len() {
                if i + 1 < word.len() && word[i] == pair.0 && word[i + 1] == pair.1 {
                    merged.push(format!("{}{}", pair.0, pair.1));
                    i += 2;
                } else {
                    merged.push(word[i].clone());
                    i += 1;
                }
            }
            merged
        })
        .collect()
}
