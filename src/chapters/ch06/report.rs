//! Chapter 6's report.md, in the run's language.

use super::Ch06Result;
use super::abilities::Scores;
use super::words::{Words, words};
use crate::chapters::fill;
use crate::data::skills::Format;
use crate::eval::PowerLaw;
use crate::markdown::Table;
use std::fmt::{Display, Write as _};

/// The chapter's report in Markdown, in the run's language.
pub fn report(r: &Ch06Result) -> String {
    let w = words(r.language);
    let seconds = format!("{:.0}", r.seconds);
    let slots: [(&str, &dyn Display); 2] = [("device", &r.device), ("seconds", &seconds)];
    let mut s = format!("# {}\n\n{}\n\n", w.title, fill(w.summary, &slots));
    sizes(&mut s, w, r);
    addition(&mut s, w, r);
    code_book(&mut s, w, r);
    instructions(&mut s, w, r);
    induction(&mut s, w, r);
    s + &super::data_scale::report(&r.data_scale)
}

/// The ladder's sizes, how many were read back, and the fitted scaling laws.
fn sizes(s: &mut String, w: &Words, r: &Ch06Result) {
    let mut sizes = Table::new(w.sizes_header, "llrrrrrl");
    let [yes, no] = w.yes_no;
    for g in &r.rungs {
        let run = &g.run;
        sizes.row([
            run.size.label.clone(),
            format!("{} × {}", run.size.n_layer, run.size.n_embd),
            run.params.to_string(),
            run.non_embedding_params.to_string(),
            format!("{:.2e}", run.flops),
            format!("{:.4}", run.val_loss),
            format!("{:.0}", run.seconds),
            (if g.cached { yes } else { no }).to_string(),
        ]);
    }
    *s += &sizes.to_string();
    let read_back = r.rungs.iter().filter(|g| g.cached).count();
    let trained: f64 = r.rungs.iter().map(|g| g.run.seconds).sum();
    let trained = format!("{trained:.0}");
    let slots: [(&str, &dyn Display); 3] = [
        ("read_back", &read_back),
        ("sizes", &r.rungs.len()),
        ("seconds", &trained),
    ];
    let _ = writeln!(s, "\n{}", fill(w.read_back, &slots));
    let [against_n, against_compute, no_fit] = w.laws;
    let law = |l: &Option<PowerLaw>| {
        l.map_or(no_fit.into(), |l| {
            format!("L = {:.3} · x^{:.4} (R² {:.3})", l.a, l.k, l.r2)
        })
    };
    let n = law(&r.scaling.loss_vs_params);
    let compute = law(&r.scaling.loss_vs_compute);
    let _ = writeln!(s, "\n{}", fill(against_n, &[("law", &n)]));
    let _ = writeln!(s, "{}\n", fill(against_compute, &[("law", &compute)]));
}

/// Addition, exact and per character, per size, format and digit count, and one worked example each.
fn addition(s: &mut String, w: &Words, r: &Ch06Result) {
    let [title, size, format_column, digits_column] = w.addition;
    let _ = writeln!(s, "## {title}\n");
    if let Some(first) = r.rungs.first() {
        let digits: Vec<u32> = (first.abilities.addition.iter())
            .filter(|a| a.format == Format::Direct)
            .map(|a| a.digits)
            .collect();
        let header = digits.iter().map(|d| fill(digits_column, &[("digits", d)]));
        let columns = [size.to_string(), format_column.to_string()]
            .into_iter()
            .chain(header);
        let mut addition = Table::new(columns, &format!("ll{}", "r".repeat(digits.len())));
        for g in &r.rungs {
            for format in Format::ALL {
                let cells = digits.iter().map(|&d| {
                    let score = g.abilities.addition_at(format, d);
                    score.map_or(String::new(), |a| {
                        format!("{:.2} / {:.2}", a.scores.exact, a.scores.per_char)
                    })
                });
                let label = [g.run.size.label.clone(), w.format(format).to_string()];
                addition.row(label.into_iter().chain(cells));
            }
        }
        let _ = writeln!(s, "{addition}");
    }
    for g in &r.rungs {
        for a in g.abilities.addition.iter().filter(|a| a.digits == 3) {
            let (prompt, written) = &a.example;
            let text = format!("{prompt}{written}");
            let slots: [(&str, &dyn Display); 3] = [
                ("size", &g.run.size.label),
                ("format", &w.format(a.format)),
                ("text", &text),
            ];
            let _ = writeln!(s, "{}", fill(w.example, &slots));
        }
    }
}

/// The code book: code words right per size and number of examples, beside the ideal reader.
fn code_book(s: &mut String, w: &Words, r: &Ch06Result) {
    let [title, ideal_reader] = w.code;
    let _ = writeln!(s, "\n## {title}\n");
    if let Some(first) = r.rungs.first() {
        let shots = first.abilities.code.iter().map(|c| c.shots.to_string());
        let columns = std::iter::once(w.addition[1].to_string()).chain(shots);
        let mut code = Table::new(
            columns,
            &format!("l{}", "r".repeat(first.abilities.code.len())),
        );
        let row = |label: &str, cells: Vec<f64>| {
            std::iter::once(label.to_string()).chain(cells.into_iter().map(|x| format!("{x:.2}")))
        };
        for g in &r.rungs {
            let exact = g.abilities.code.iter().map(|c| c.scores.exact).collect();
            code.row(row(&g.run.size.label, exact));
        }
        let ideal = first.abilities.code.iter().map(|c| c.ideal).collect();
        code.row(row(ideal_reader, ideal));
        *s += &code.to_string();
    }
}

/// Instructions for the operations instructed in training and for the held-out ones, per size.
fn instructions(s: &mut String, w: &Words, r: &Ch06Result) {
    let _ = writeln!(s, "\n## {}\n", w.instructions);
    let mut instructions = Table::new(w.instructions_header, "lrrr");
    for g in &r.rungs {
        let a = &g.abilities;
        let cell = |x: Scores| format!("{:.2} / {:.2}", x.exact, x.edit);
        instructions.row([
            g.run.size.label.clone(),
            cell(a.instructions(true)),
            cell(a.instructions(false)),
            cell(a.held_out_prose()),
        ]);
    }
    *s += &instructions.to_string();
}

/// The induction experiment: the copy losses, and the heads found.
fn induction(s: &mut String, w: &Words, r: &Ch06Result) {
    let i = &r.induction;
    let [title, losses, heads] = w.induction;
    let _ = writeln!(s, "\n## {title}\n");
    if let (Some(first), Some(last)) = (i.curve.first(), i.curve.last()) {
        let f3 = |x: f64| format!("{x:.3}");
        let seconds = format!("{:.0}", i.seconds);
        let values = [
            f3(first.second_copy_loss),
            f3(last.second_copy_loss),
            f3(first.first_copy_loss),
            f3(last.first_copy_loss),
            last.step.to_string(),
            seconds,
        ];
        let names = [
            "second_from",
            "second_to",
            "first_from",
            "first_to",
            "steps",
            "seconds",
        ];
        let _ = writeln!(s, "{}", fill(losses, &slots(&names, &values)));
    }
    let values = [
        i.best_head.0.to_string(),
        i.best_head.1.to_string(),
        format!("{:.3}", i.best_score),
        i.previous_token_head.0.to_string(),
        format!("{:.3}", i.previous_token_head.1),
    ];
    let names = ["layer", "head", "score", "previous", "share"];
    let _ = writeln!(s, "{}", fill(heads, &slots(&names, &values)));
}

/// `names` paired with `values`, as [`fill`] takes them.
fn slots<'a>(names: &[&'a str], values: &'a [String]) -> Vec<(&'a str, &'a dyn Display)> {
    (names.iter().zip(values))
        .map(|(name, value)| (*name, value as &dyn Display))
        .collect()
}
