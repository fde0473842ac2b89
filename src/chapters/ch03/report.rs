//! Chapter 3's report.md.

use super::Ch03Result;
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
    let _ = writeln!(
        md,
        "| run | parameters | val loss (nats/token) | val loss (nats/char) | tokens/s | seconds |\n|---|---:|---:|---:|---:|---:|"
    );
    for run in &r.runs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:.0} | {:.0} |",
            run.label,
            run.report.params,
            run.report.final_val_loss,
            run.val_loss_per_char(),
            run.report.tokens_per_sec,
            run.report.seconds
        );
    }
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
    let _ = writeln!(
        md,
        "| step | tokens | val perplexity | cloze accuracy | greedy sample |\n|---:|---:|---:|---:|---|"
    );
    for p in &r.knowledge {
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {:.3} | {:?} |",
            p.step, p.tokens, p.perplexity, p.cloze_accuracy, p.sample
        );
    }
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
    let _ = writeln!(
        md,
        "| context | forward ms | attention ms (written out) | attention ms (fused) | weights MiB |\n|---:|---:|---:|---:|---:|"
    );
    for c in &r.cost {
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.3} | {:.3} | {:.2} |",
            c.context,
            c.forward_ms,
            c.manual_attention_ms,
            c.fused_attention_ms,
            c.attention_weights_mib
        );
    }
    let _ = writeln!(md, "\n![KV cache](kv_cache.svg)\n");
    let _ = writeln!(
        md,
        "| tokens | with cache tok/s | without tok/s | same tokens |\n|---:|---:|---:|---|"
    );
    for k in &r.kv_cache {
        let _ = writeln!(
            md,
            "| {} | {:.0} | {:.0} | {} |",
            k.tokens, k.cached_tokens_per_sec, k.uncached_tokens_per_sec, k.same_tokens
        );
    }
    let _ = writeln!(
        md,
        "\n## Size and utilization\n\n| model | shape | parameters | FLOPs/token |\n|---|---|---:|---:|"
    );
    for s in &r.sizes {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3e} |",
            s.name, s.shape, s.params, s.flops_per_token
        );
    }
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
