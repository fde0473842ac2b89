//! Chapter 1's report.md.

use super::{Ch01Config, Ch01Result};
use crate::markdown::Table;
use crate::plot::{self};
use std::fmt::Write as _;

/// The run's report.md: the numbers in tables, the samples verbatim.
pub fn report(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 1 — text continuation\n");
    let _ = writeln!(
        md,
        "Device: {} · corpus: {} characters · vocabulary: {} tokens · wall time {:.0} s\n",
        r.device, r.corpus_chars, r.vocab_size, r.seconds
    );
    let _ = writeln!(md, "![loss curves](loss.svg)\n");
    let mut models = Table::new(
        [
            "model",
            "parameters",
            "train loss",
            "validation loss",
            "tokens/s",
            "seconds",
        ],
        "lrrrrr",
    );
    let uniform = format!("{:.3}", r.uniform_loss);
    models.row(["uniform guess", "0", &uniform, &uniform, "", ""]);
    for m in [&r.bigram, &r.gpt] {
        models.row([
            m.model.clone(),
            m.params.to_string(),
            format!("{:.3}", m.train_loss),
            format!("{:.3}", m.val_loss),
            format!("{:.0}", m.tokens_per_sec),
            format!("{:.1}", m.seconds),
        ]);
    }
    md += &models.to_string();
    let _ = writeln!(
        md,
        "\n## Next token after \"{}\"\n\n![next-token distribution](next_token.svg)\n",
        cfg.prompt
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
    let _ = writeln!(md, "\n## Samples\n");
    for s in &r.samples {
        let _ = writeln!(
            md,
            "**{}** (T = {}, top-p = {}):\n\n> {}{}\n",
            s.preset,
            s.sampling.temperature,
            s.sampling.top_p,
            cfg.prompt,
            s.text.replace('\n', "\n> ")
        );
    }
    let _ = writeln!(
        md,
        "## Repetition ({}-word n-grams repeated)\n",
        cfg.repetition_ngram
    );
    let mut repetition = Table::new(["decoding", "repeated fraction", "outputs"], "lrr");
    for rep in &r.repetition {
        repetition.row([
            rep.decoding.clone(),
            format!("{:.3}", rep.repeated_fraction),
            rep.outputs.to_string(),
        ]);
    }
    md += &repetition.to_string();
    let _ = write!(md, "\n## Step by step\n\n{}", trace_markdown(cfg, r));
    md
}

/// How many characters of the context each row of the trace table shows.
const TRACE_CONTEXT_CHARS: usize = 16;

/// trace.md: which run and settings the trace comes from, then its table (the book includes this file).
pub fn trace_markdown(cfg: &Ch01Config, r: &Ch01Result) -> String {
    let s = &r.trace.sampling;
    format!(
        "The {} preset (temperature {}, top-p {}), seed {}, {} tokens; the model's {} most likely \
         candidates per step; GPT trained on {}.\n\n{}",
        cfg.trace_preset.name(),
        s.temperature,
        s.top_p,
        s.seed,
        s.max_new_tokens,
        cfg.trace_candidates,
        r.device,
        r.trace.table(TRACE_CONTEXT_CHARS)
    )
}
