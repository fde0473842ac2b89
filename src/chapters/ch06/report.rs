//! Chapter 6's report.md.

use super::Ch06Result;
use super::abilities::Scores;
use crate::data::skills::Format;
use crate::eval::PowerLaw;
use crate::markdown::Table;
use std::fmt::Write as _;

/// The chapter's report in Markdown.
pub fn report(r: &Ch06Result) -> String {
    let mut s = String::from("# Chapter 6: emergent abilities\n\n");
    let _ = writeln!(s, "device: {} · {:.0} s in all\n", r.device, r.seconds);
    let mut sizes = Table::new(
        [
            "size",
            "layers × width",
            "parameters",
            "non-embedding N",
            "training FLOPs",
            "val loss",
            "seconds",
            "cached",
        ],
        "llrrrrrl",
    );
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
            (if g.cached { "yes" } else { "no" }).to_string(),
        ]);
    }
    s += &sizes.to_string();
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
        let header = digits.iter().map(|d| format!("{d} digits"));
        let columns = ["size".to_string(), "format".to_string()]
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
                let label = [g.run.size.label.clone(), format_name(format).to_string()];
                addition.row(label.into_iter().chain(cells));
            }
        }
        let _ = writeln!(s, "{addition}");
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
        let shots = first.abilities.code.iter().map(|c| c.shots.to_string());
        let columns = std::iter::once("size".to_string()).chain(shots);
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
        code.row(row("ideal reader", ideal));
        s += &code.to_string();
    }

    let _ = writeln!(s, "\n## Instructions (exact / edit similarity)\n");
    let mut instructions = Table::new(
        [
            "size",
            "instructed ops",
            "held-out ops",
            "held-out ops in prose",
        ],
        "lrrr",
    );
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
    s += &instructions.to_string();

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
    s + &super::data_scale::report(&r.data_scale)
}

/// A format as the report's tables name it.
fn format_name(format: Format) -> &'static str {
    match format {
        Format::Direct => "answer alone",
        Format::Worked => "worked steps",
    }
}
