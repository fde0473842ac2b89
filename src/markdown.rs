//! The reports' Markdown tables, built row by row instead of by hand-written `writeln!` lines.
//!
//! ```
//! use jielong::markdown::Table;
//! let mut t = Table::new(["model", "loss"], "lr");
//! t.row(["bigram".to_string(), format!("{:.3}", 2.5)]);
//! assert_eq!(t.to_string(), "| model | loss |\n|---|---:|\n| bigram | 2.500 |\n");
//! ```

use std::fmt;

/// A GitHub-flavoured Markdown table: a header, an alignment row, and the rows added so far. Empty cells are
/// written `| |`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    header: Vec<String>,
    align: Vec<char>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names; `align` has one letter per column, `l` (left) or `r` (right).
    pub fn new<I, S>(columns: I, align: &str) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let header: Vec<String> = columns.into_iter().map(Into::into).collect();
        assert_eq!(
            header.len(),
            align.chars().count(),
            "one alignment letter per column"
        );
        Table {
            header,
            align: align.chars().collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row of cells, one per column.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        assert_eq!(row.len(), self.header.len(), "one cell per column");
        self.rows.push(row);
        self
    }
}

/// `| a | b |`, with an empty cell as `| |`.
fn line(f: &mut fmt::Formatter<'_>, cells: &[String]) -> fmt::Result {
    for cell in cells {
        if cell.is_empty() {
            write!(f, "| ")?;
        } else {
            write!(f, "| {cell} ")?;
        }
    }
    writeln!(f, "|")
}

impl fmt::Display for Table {
    /// The header, the alignment row (`---` left, `---:` right) and every row, each line ending in `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        line(f, &self.header)?;
        for a in &self.align {
            write!(f, "|{}", if *a == 'r' { "---:" } else { "---" })?;
        }
        writeln!(f, "|")?;
        self.rows.iter().try_for_each(|r| line(f, r))
    }
}
