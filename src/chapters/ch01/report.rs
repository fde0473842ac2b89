//! Chapter 1's report.md.

use super::words::words;
use super::{Ch01Config, Ch01Result};
use crate::chapters::fill;
use crate::markdown::Table;
use crate::plot::{self};
use std::fmt::Write as _;

/// The run's report.md: the numbers in tables, the samples verbatim.
/// In the run's language (`cfg.language`).
pub fn report(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let w = words(cfg.language);
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", w.title);
    let seconds = format!("{:.0}", r.seconds);
    let summary = fill(
        w.summary,
        &[
            ("device", &r.device),
            ("chars", &r.corpus_chars),
            ("vocab", &r.vocab_size),
            ("seconds", &seconds),
        ],
    );
    let _ = writeln!(md, "{summary}\n");
    let _ = writeln!(md, "![loss curves](loss.svg)\n");
    let mut models = Table::new(w.model_header, "lrrrrr");
    let uniform = format!("{:.3}", r.uniform_loss);
    models.row([w.uniform_row, "0", &uniform, &uniform, "", ""]);
    for m in [&r.bigram, &r.gpt] {
        models.row([
            w.models.of(&m.model).to_string(),
            m.params.to_string(),
            format!("{:.3}", m.train_loss),
            format!("{:.3}", m.val_loss),
            format!("{:.0}", m.tokens_per_sec),
            format!("{:.1}", m.seconds),
        ]);
    }
    md += &models.to_string();
    let next_token = fill(w.next_token, &[("prompt", &cfg.prompt)]);
    let _ = writeln!(
        md,
        "\n## {next_token}\n\n![next-token distribution](next_token.svg)\n"
    );
    for d in &r.next_token {
        let tokens: Vec<String> = d
            .tokens
            .iter()
            .take(5)
            .map(|(t, p)| format!("`{}` {:.3}", plot::token_label(t), p))
            .collect();
        let _ = writeln!(md, "- T = {}: {}", d.temperature, tokens.join(", "));
    }
    let _ = writeln!(md, "\n## {}\n", w.samples);
    for s in &r.samples {
        let (t, p) = (s.sampling.temperature, s.sampling.top_p);
        let heading = fill(w.sample, &[("preset", &s.preset), ("t", &t), ("p", &p)]);
        let text = s.text.replace('\n', "\n> ");
        let _ = writeln!(md, "{heading}\n\n> {}{text}\n", cfg.prompt);
    }
    let repetition = fill(w.repetition, &[("n", &cfg.repetition_ngram)]);
    let _ = writeln!(md, "## {repetition}\n");
    let mut repetition = Table::new(w.repetition_header, "lrr");
    for rep in &r.repetition {
        repetition.row([
            rep.decoding.clone(),
            format!("{:.3}", rep.repeated_fraction),
            rep.outputs.to_string(),
        ]);
    }
    md += &repetition.to_string();
    let _ = write!(md, "\n## {}\n\n{}", w.step_by_step, trace_markdown(cfg, r));
    md
}

/// How many characters of the context each row of the trace table shows.
const TRACE_CONTEXT_CHARS: usize = 16;

/// trace.md: which run and settings the trace comes from, then its table (the book includes this file).
pub fn trace_markdown(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let (s, w) = (&r.trace.sampling, words(cfg.language));
    let caption = fill(
        w.trace,
        &[
            ("preset", &cfg.trace_preset.name()),
            ("t", &s.temperature),
            ("p", &s.top_p),
            ("seed", &s.seed),
            ("tokens", &s.max_new_tokens),
            ("candidates", &cfg.trace_candidates),
            ("device", &r.device),
        ],
    );
    let table = (r.trace).table_with_header(w.trace_header, TRACE_CONTEXT_CHARS);
    format!("{caption}\n\n{table}")
}
