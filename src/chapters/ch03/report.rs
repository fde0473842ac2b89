//! Chapter 3's report.md.

use super::Ch03Result;
use super::words::{Words, words};
use crate::chapters::fill;
use crate::markdown::Table;
use crate::plot::{self};
use std::fmt::{Display, Write as _};

/// The report printed at the end and written as report.md, in the run's language.
pub fn report(r: &Ch03Result) -> String {
    let w = words(r.language);
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", w.title);
    let seconds = format!("{:.0}", r.seconds);
    let slots: [(&str, &dyn Display); 3] = [
        ("device", &r.device),
        ("chars", &r.train_chars),
        ("seconds", &seconds),
    ];
    let _ = writeln!(md, "{}\n", fill(w.summary, &slots));
    tokenizers(&mut md, w, r);
    runs(&mut md, w, r);
    learned(&mut md, w, r);
    let _ = writeln!(md, "## {}\n", w.hermit);
    for h in &r.hermit {
        let _ = writeln!(md, "- {:?} → {:?}", h.question, h.continuation);
    }
    let [attention, sentence, alt] = w.attention;
    let sentence = fill(
        sentence,
        &[("sentence", &format!("{:?}", r.attention_sentence))],
    );
    let _ = writeln!(
        md,
        "\n## {attention}\n\n{sentence}\n\n![{alt}](attention.svg)\n"
    );
    cost(&mut md, w, r);
    size(&mut md, w, r);
    let path = r.pretrained_checkpoint.display();
    let _ = writeln!(md, "\n{}", fill(w.checkpoint, &[("path", &path)]));
    md
}

/// Characters against BPE: the vocabularies, the first merges and the example sentences.
fn tokenizers(md: &mut String, w: &Words, r: &Ch03Result) {
    let t = &r.tokenizers;
    let [title, vocabularies, first_merges, sentence] = w.tokenizers;
    let per_token = format!("{:.2}", t.bpe_chars_per_token);
    let slots: [(&str, &dyn Display); 3] = [
        ("chars", &t.char_vocab),
        ("bpe", &t.bpe_vocab),
        ("per_token", &per_token),
    ];
    let _ = writeln!(md, "## {title}\n\n{}\n", fill(vocabularies, &slots));
    let merges: Vec<String> = t
        .first_merges
        .iter()
        .map(|(a, b)| format!("`{}`+`{}`", plot::token_label(a), plot::token_label(b)))
        .collect();
    let merges = merges.join(" ");
    let _ = writeln!(md, "{}\n", fill(first_merges, &[("merges", &merges)]));
    for (text, chars, bpe, pieces) in &t.sentences {
        let pieces: Vec<String> = pieces.iter().map(|p| plot::token_label(p)).collect();
        let pieces = pieces.join("|");
        // the sentence goes in last, so that no slot is looked for inside it
        let text = format!("{text:?}");
        let slots: [(&str, &dyn Display); 4] = [
            ("chars", chars),
            ("bpe", bpe),
            ("pieces", &pieces),
            ("text", &text),
        ];
        let _ = writeln!(md, "{}", fill(sentence, &slots));
    }
}

/// The runs' table and their charts.
fn runs(md: &mut String, w: &Words, r: &Ch03Result) {
    let [title, loss, positions, tokenizers] = w.runs_section;
    let _ = writeln!(md, "\n## {title}\n\n![{loss}](loss.svg)\n");
    let mut table = Table::new(w.runs_header, "lrrrrr");
    for run in &r.runs {
        table.row([
            w.run(&run.label),
            run.report.params.to_string(),
            format!("{:.3}", run.report.final_val_loss),
            format!("{:.3}", run.val_loss_per_char()),
            format!("{:.0}", run.report.tokens_per_sec),
            format!("{:.0}", run.report.seconds),
        ]);
    }
    *md += &table.to_string();
    if r.runs.len() > 1 {
        let _ = writeln!(
            md,
            "\n![{positions}](positions.svg)\n\n![{tokenizers}](tokenizers.svg)"
        );
    }
}

/// Language and world knowledge along the main run, and the final cloze score.
fn learned(md: &mut String, w: &Words, r: &Ch03Result) {
    let [title, language, knowledge] = w.learned;
    let _ = writeln!(
        md,
        "\n## {title}\n\n![{language}](language.svg)\n\n![{knowledge}](world_knowledge.svg)\n"
    );
    let mut table = Table::new(w.knowledge_header, "rrrrl");
    for p in &r.knowledge {
        table.row([
            p.step.to_string(),
            p.tokens.to_string(),
            format!("{:.2}", p.perplexity),
            format!("{:.3}", p.cloze_accuracy),
            format!("{:?}", p.sample),
        ]);
    }
    *md += &table.to_string();
    let [cloze, alt] = w.cloze;
    let (accuracy, chance) = (
        format!("{:.3}", r.cloze.accuracy),
        format!("{:.3}", r.cloze.chance),
    );
    let slots: [(&str, &dyn Display); 2] = [("accuracy", &accuracy), ("chance", &chance)];
    let _ = writeln!(
        md,
        "\n{}\n\n![{alt}](cloze_by_relation.svg)\n",
        fill(cloze, &slots)
    );
}

/// Forward time against context length, and generation with and without the KV cache.
fn cost(md: &mut String, w: &Words, r: &Ch03Result) {
    let [title, cost, kv_cache] = w.cost;
    let _ = writeln!(md, "## {title}\n\n![{cost}](attention_cost.svg)\n");
    let mut table = Table::new(w.cost_header, "rrrrr");
    for c in &r.cost {
        table.row([
            c.context.to_string(),
            format!("{:.2}", c.forward_ms),
            format!("{:.3}", c.manual_attention_ms),
            format!("{:.3}", c.fused_attention_ms),
            format!("{:.2}", c.attention_weights_mib),
        ]);
    }
    *md += &table.to_string();
    let _ = writeln!(md, "\n![{kv_cache}](kv_cache.svg)\n");
    let mut table = Table::new(w.kv_header, "rrrl");
    let [yes, no] = w.yes_no;
    for k in &r.kv_cache {
        table.row([
            k.tokens.to_string(),
            format!("{:.0}", k.cached_tokens_per_sec),
            format!("{:.0}", k.uncached_tokens_per_sec),
            (if k.same_tokens { yes } else { no }).to_string(),
        ]);
    }
    *md += &table.to_string();
}

/// The model sizes and the main run's utilization.
fn size(md: &mut String, w: &Words, r: &Ch03Result) {
    let _ = writeln!(md, "\n## {}\n", w.size);
    let mut table = Table::new(w.size_header, "llrr");
    for s in &r.sizes {
        table.row([
            w.size(&s.name),
            s.shape.to_string(),
            s.params.to_string(),
            format!("{:.3e}", s.flops_per_token),
        ]);
    }
    *md += &table.to_string();
    let u = &r.utilization;
    let [line, measured, from_config] = w.utilization;
    let numbers = [
        format!("{:.0}", u.tokens_per_sec),
        format!("{:.3e}", u.achieved_flops),
        format!("{:.3e}", u.peak_flops),
        (if u.peak_measured {
            measured
        } else {
            from_config
        })
        .to_string(),
        format!("{:.1}", 100.0 * u.mfu),
    ];
    let names = ["tokens", "achieved", "peak", "source", "mfu"];
    let slots: Vec<(&str, &dyn Display)> = (names.iter().zip(&numbers))
        .map(|(name, value)| (*name, value as &dyn Display))
        .collect();
    let _ = writeln!(md, "\n{}", fill(line, &slots));
}
