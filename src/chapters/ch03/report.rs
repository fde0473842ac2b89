//! Chapter 3's report.md.

use super::Ch03Result;
use crate::markdown::Table;
use crate::plot::{self};
use std::fmt::Write as _;

/// The report printed at the end and written as report.md.
pub fn report(r: &Ch03Result) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Chapter 3 — pretraining\n");
    let _ = writeln!(
        md,
        "Device: {} · training text: {} characters · wall time {:.0} s\n",
        r.device, r.train_chars, r.seconds
    );
    let t = &r.tokenizers;
    let _ = writeln!(
        md,
        "## Tokenizers\n\nCharacters: {} tokens. Byte-level BPE: {} tokens, {:.2} characters per token.\n",
        t.char_vocab, t.bpe_vocab, t.bpe_chars_per_token
    );
    let merges: Vec<String> = t
        .first_merges
        .iter()
        .map(|(a, b)| format!("`{}`+`{}`", plot::token_label(a), plot::token_label(b)))
        .collect();
    let _ = writeln!(md, "First merges: {}\n", merges.join(" "));
    for (text, chars, bpe, pieces) in &t.sentences {
        let pieces: Vec<String> = pieces.iter().map(|p| plot::token_label(p)).collect();
        let _ = writeln!(
            md,
            "- {text:?}: {chars} characters, {bpe} BPE tokens: {}",
            pieces.join("|")
        );
    }
    let _ = writeln!(md, "\n## Runs\n\n![loss](loss.svg)\n");
    let mut table = Table::new(
        [
            "run",
            "parameters",
            "val loss (nats/token)",
            "val loss (nats/char)",
            "tokens/s",
            "seconds",
        ],
        "lrrrrr",
    );
    for run in &r.runs {
        table.row([
            run.label.to_string(),
            run.report.params.to_string(),
            format!("{:.3}", run.report.final_val_loss),
            format!("{:.3}", run.val_loss_per_char()),
            format!("{:.0}", run.report.tokens_per_sec),
            format!("{:.0}", run.report.seconds),
        ]);
    }
    md += &table.to_string();
    if r.runs.len() > 1 {
        let _ = writeln!(
            md,
            "\n![positions](positions.svg)\n\n![tokenizers](tokenizers.svg)"
        );
    }
    let _ = writeln!(
        md,
        "\n## What pretraining learned\n\n![language](language.svg)\n\n![world knowledge](world_knowledge.svg)\n"
    );
    let mut table = Table::new(
        [
            "step",
            "tokens",
            "val perplexity",
            "cloze accuracy",
            "greedy sample",
        ],
        "rrrrl",
    );
    for p in &r.knowledge {
        table.row([
            p.step.to_string(),
            p.tokens.to_string(),
            format!("{:.2}", p.perplexity),
            format!("{:.3}", p.cloze_accuracy),
            format!("{:?}", p.sample),
        ]);
    }
    md += &table.to_string();
    let _ = writeln!(
        md,
        "\nFinal cloze accuracy {:.3} (chance {:.3}).\n\n![cloze by relation](cloze_by_relation.svg)\n",
        r.cloze.accuracy, r.cloze.chance
    );
    let _ = writeln!(md, "## A well-read hermit\n");
    for h in &r.hermit {
        let _ = writeln!(md, "- {:?} → {:?}", h.question, h.continuation);
    }
    let _ = writeln!(
        md,
        "\n## Attention\n\nSentence: {:?}\n\n![attention](attention.svg)\n",
        r.attention_sentence
    );
    let _ = writeln!(md, "## Cost\n\n![attention cost](attention_cost.svg)\n");
    let mut table = Table::new(
        [
            "context",
            "forward ms",
            "attention ms (written out)",
            "attention ms (fused)",
            "weights MiB",
        ],
        "rrrrr",
    );
    for c in &r.cost {
        table.row([
            c.context.to_string(),
            format!("{:.2}", c.forward_ms),
            format!("{:.3}", c.manual_attention_ms),
            format!("{:.3}", c.fused_attention_ms),
            format!("{:.2}", c.attention_weights_mib),
        ]);
    }
    md += &table.to_string();
    let _ = writeln!(md, "\n![KV cache](kv_cache.svg)\n");
    let mut table = Table::new(
        ["tokens", "with cache tok/s", "without tok/s", "same tokens"],
        "rrrl",
    );
    for k in &r.kv_cache {
        table.row([
            k.tokens.to_string(),
            format!("{:.0}", k.cached_tokens_per_sec),
            format!("{:.0}", k.uncached_tokens_per_sec),
            k.same_tokens.to_string(),
        ]);
    }
    md += &table.to_string();
    let _ = writeln!(md, "\n## Size and utilization\n");
    let mut table = Table::new(["model", "shape", "parameters", "FLOPs/token"], "llrr");
    for s in &r.sizes {
        table.row([
            s.name.to_string(),
            s.shape.to_string(),
            s.params.to_string(),
            format!("{:.3e}", s.flops_per_token),
        ]);
    }
    md += &table.to_string();
    let u = &r.utilization;
    let _ = writeln!(
        md,
        "\nTraining: {:.0} tokens/s = {:.3e} model FLOP/s; peak {:.3e} FLOP/s ({}); MFU {:.1}%.",
        u.tokens_per_sec,
        u.achieved_flops,
        u.peak_flops,
        if u.peak_measured {
            "measured matrix product"
        } else {
            "from the config"
        },
        100.0 * u.mfu
    );
    let _ = writeln!(
        md,
        "\nPretrained checkpoint: {}",
        r.pretrained_checkpoint.display()
    );
    md
}
