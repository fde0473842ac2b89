//! Chapter 6's report.md.

use super::Ch06Result;
use super::abilities::Scores;
use crate::data::skills::Format;
use crate::eval::PowerLaw;
use std::fmt::Write as _;

/// The chapter's report in Markdown.
pub fn report(r: &Ch06Result) -> String {
    let mut s = String::from("# Chapter 6: emergent abilities\n\n");
    let _ = writeln!(s, "device: {} · {:.0} s in all\n", r.device, r.seconds);
    let _ = writeln!(
        s,
        "| size | layers × width | parameters | non-embedding N | training FLOPs | val loss | seconds | cached |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---|");
    for g in &r.rungs {
        let run = &g.run;
        let _ = writeln!(
            s,
            "| {} | {} × {} | {} | {} | {:.2e} | {:.4} | {:.0} | {} |",
            run.size.label,
            run.size.n_layer,
            run.size.n_embd,
            run.params,
            run.non_embedding_params,
            run.flops,
            run.val_loss,
            run.seconds,
            if g.cached { "yes" } else { "no" }
        );
    }
    let read_back = r.rungs.iter().filter(|g| g.cached).count();
    let trained: f64 = r.rungs.iter().map(|g| g.run.seconds).sum();
    let _ = writeln!(
        s,
        "\n{read_back} of {} sizes read back from earlier runs; training all of them took {trained:.0} s when they were trained.",
        r.rungs.len()
    );
    let law = |l: &Option<PowerLaw>| {
        l.map_or("no fit".into(), |l| {
            format!("L = {:.3} · x^{:.4} (R² {:.3})", l.a, l.k, l.r2)
        })
    };
    let _ = writeln!(s, "\nloss against N: {}", law(&r.scaling.loss_vs_params));
    let _ = writeln!(
        s,
        "loss against compute: {}\n",
        law(&r.scaling.loss_vs_compute)
    );

    let _ = writeln!(s, "## Addition (exact / per character)\n");
    if let Some(first) = r.rungs.first() {
        let digits: Vec<u32> = (first.abilities.addition.iter())
            .filter(|a| a.format == Format::Direct)
            .map(|a| a.digits)
            .collect();
        let header: String = digits.iter().map(|d| format!(" {d} digits |")).collect();
        let _ = writeln!(s, "| size | format |{header}");
        let _ = writeln!(s, "|---|---|{}", "---:|".repeat(digits.len()));
        for g in &r.rungs {
            for format in Format::ALL {
                let cells: String = (digits.iter())
                    .filter_map(|&d| g.abilities.addition_at(format, d))
                    .map(|a| format!(" {:.2} / {:.2} |", a.scores.exact, a.scores.per_char))
                    .collect();
                let _ = writeln!(
                    s,
                    "| {} | {} |{cells}",
                    g.run.size.label,
                    format_name(format)
                );
            }
        }
        let _ = writeln!(s);
    }
    for g in &r.rungs {
        for a in g.abilities.addition.iter().filter(|a| a.digits == 3) {
            let (prompt, written) = &a.example;
            let _ = writeln!(
                s,
                "- {} {}: `{prompt}{written}`",
                g.run.size.label,
                format_name(a.format)
            );
        }
    }
    let _ = writeln!(
        s,
        "\n## Code book: code words right, by examples in the prompt\n"
    );
    if let Some(first) = r.rungs.first() {
        let header: String = first
            .abilities
            .code
            .iter()
            .map(|c| format!(" {} |", c.shots))
            .collect();
        let _ = writeln!(s, "| size |{header}");
        let _ = writeln!(s, "|---|{}", "---:|".repeat(first.abilities.code.len()));
        let ideal: String = (first.abilities.code.iter())
            .map(|c| format!(" {:.2} |", c.ideal))
            .collect();
        for g in &r.rungs {
            let cells: String = (g.abilities.code.iter())
                .map(|c| format!(" {:.2} |", c.scores.exact))
                .collect();
            let _ = writeln!(s, "| {} |{cells}", g.run.size.label);
        }
        let _ = writeln!(s, "| ideal reader |{ideal}");
    }

    let _ = writeln!(s, "\n## Instructions (exact / edit similarity)\n");
    let _ = writeln!(
        s,
        "| size | instructed ops | held-out ops | held-out ops in prose |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|");
    for g in &r.rungs {
        let a = &g.abilities;
        let cell = |x: Scores| format!("{:.2} / {:.2}", x.exact, x.edit);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            g.run.size.label,
            cell(a.instructions(true)),
            cell(a.instructions(false)),
            cell(a.held_out_prose())
        );
    }

    let i = &r.induction;
    let (first, last) = (i.curve.first(), i.curve.last());
    let _ = writeln!(s, "\n## Induction heads\n");
    if let (Some(first), Some(last)) = (first, last) {
        let _ = writeln!(
            s,
            "second-copy loss {:.3} → {:.3} (first copy {:.3} → {:.3}) in {} steps, {:.0} s",
            first.second_copy_loss,
            last.second_copy_loss,
            first.first_copy_loss,
            last.first_copy_loss,
            last.step,
            i.seconds
        );
    }
    let _ = writeln!(
        s,
        "induction head: layer {} head {}, score {:.3}; previous-token head: layer 0 head {}, share {:.3}",
        i.best_head.0,
        i.best_head.1,
        i.best_score,
        i.previous_token_head.0,
        i.previous_token_head.1
    );
    s
}

/// A format as the report's tables name it.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Direct => "answer alone",
        Format::Worked => "worked steps",
    }
}
