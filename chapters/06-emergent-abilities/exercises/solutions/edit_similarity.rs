//! Exercise 6.3, a solution.

/// `1 − levenshtein(answer, target) / max(|answer|, |target|)` on the trimmed strings, in characters.
pub fn edit_similarity(answer: &str, target: &str) -> f64 {
    let a: Vec<char> = answer.trim().chars().collect();
    let b: Vec<char> = target.trim().chars().collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    // one row of the table at a time: previous[j] = d[i − 1][j]
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            row[j + 1] = (previous[j + 1] + 1).min(row[j] + 1).min(substitute);
        }
        previous = row;
    }
    1.0 - previous[b.len()] as f64 / longest as f64
}
