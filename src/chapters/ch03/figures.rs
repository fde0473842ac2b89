//! Every chart of chapter 3, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`.

use super::Ch03Result;
use super::attention::AttentionMaps;
use super::cost::{CostPoint, KvPoint};
use super::pretrain::{KnowledgePoint, PretrainRun};
use crate::eval::ClozeScore;
use crate::plot::{self, Figure, Series};
use anyhow::{Context, Result};

/// Every chart of the chapter, as `(file name, figure)`, from the result alone. The comparisons of positions
/// and tokenizers are drawn only when the comparison runs were made.
pub fn draw(r: &Ch03Result) -> Result<Vec<(&'static str, Figure)>> {
    let main = r
        .runs
        .first()
        .context("the result holds no pretraining run")?;
    let [language, world_knowledge] = knowledge_figures(&r.knowledge, r.cloze.chance);
    let mut figures = vec![
        ("loss.svg", loss_figure(main)?),
        ("language.svg", language?),
        ("world_knowledge.svg", world_knowledge?),
        ("cloze_by_relation.svg", cloze_figure(&r.cloze)?),
    ];
    if r.runs.len() > 1 {
        figures.push(("positions.svg", positions_figure(&r.runs)?));
        figures.push(("tokenizers.svg", tokenizers_figure(&r.runs)?));
    }
    figures.extend([
        ("attention.svg", attention_heatmaps(&r.attention)?),
        ("attention_cost.svg", cost_figure(&r.cost)?),
        ("kv_cache.svg", kv_cache_figure(&r.kv_cache)?),
    ]);
    Ok(figures)
}

/// The last layer's attention on the chapter's sentence, one heat map per head.
pub fn attention_heatmaps(maps: &AttentionMaps) -> Result<Figure> {
    plot::heatmaps("Who attends to whom", &maps.tokens, &maps.panels)
}

/// The main run's train and validation loss.
pub fn loss_figure(run: &PretrainRun) -> Result<Figure> {
    let (train, val) = run.report.eval_curves();
    plot::line_chart(
        "Pretraining: next-token loss",
        "training step",
        "cross-entropy (nats/token)",
        &[Series::new("train", train), Series::new("validation", val)],
    )
}

// ANCHOR: knowledge_figures
/// `(training tokens, f(point))` along the main run.
fn along_training(points: &[KnowledgePoint], f: fn(&KnowledgePoint) -> f64) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.tokens as f64, f(p))).collect()
}

/// Language: validation perplexity against training tokens, log–log.
pub fn language_figure(points: &[KnowledgePoint]) -> Result<Figure> {
    let perplexity = along_training(points, |p| p.perplexity);
    plot::log_log_chart(
        "Language: validation perplexity",
        "training tokens",
        "perplexity",
        &[Series::new("validation perplexity", perplexity)],
    )
}

/// World knowledge: cloze accuracy on the world's facts against training tokens, with the chance level.
pub fn world_knowledge_figure(points: &[KnowledgePoint], chance: f64) -> Result<Figure> {
    let last = points.last().map_or(1.0, |p| p.tokens as f64);
    plot::line_chart(
        "World knowledge: cloze accuracy",
        "training tokens",
        "accuracy",
        &[
            Series::new(
                "facts answered right",
                along_training(points, |p| p.cloze_accuracy),
            ),
            Series::horizontal("chance", chance, 0.0, last),
        ],
    )
}

/// What pretraining learns, both figures: [`language_figure`] and [`world_knowledge_figure`].
pub fn knowledge_figures(points: &[KnowledgePoint], chance: f64) -> [Result<Figure>; 2] {
    [
        language_figure(points),
        world_knowledge_figure(points, chance),
    ]
}
// ANCHOR_END: knowledge_figures

/// Final cloze accuracy per relation, beside chance.
pub fn cloze_figure(cloze: &ClozeScore) -> Result<Figure> {
    let relations: Vec<String> = cloze.by_relation.iter().map(|(r, _)| r.clone()).collect();
    let accuracy = cloze.by_relation.iter().map(|(_, a)| *a).collect();
    let chance = vec![cloze.chance; relations.len()];
    plot::bar_chart(
        "Which facts the pretrained model knows",
        "cloze accuracy",
        &relations,
        &[("pretrained".into(), accuracy), ("chance".into(), chance)],
    )
}

/// Validation loss of the runs that differ in `pick`, against steps.
fn compare_figure(title: &str, y: &str, runs: &[&PretrainRun], per_char: bool) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            let (_, val) = r.report.eval_curves();
            let scale = if per_char { r.chars_per_token } else { 1.0 };
            Series::new(
                r.label.clone(),
                val.into_iter().map(|(s, l)| (s, l / scale)).collect(),
            )
        })
        .collect();
    plot::line_chart(title, "training step", y, &series)
}

/// Learned positions against RoPE (both BPE).
pub fn positions_figure(runs: &[PretrainRun]) -> Result<Figure> {
    let bpe: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.starts_with("BPE")).collect();
    compare_figure(
        "Learned positions vs rotary embeddings",
        "validation loss (nats/token)",
        &bpe,
        false,
    )
}

/// Characters against BPE, in loss per character.
pub fn tokenizers_figure(runs: &[PretrainRun]) -> Result<Figure> {
    let rope: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.ends_with("RoPE")).collect();
    compare_figure(
        "Characters vs BPE at equal steps",
        "validation loss (nats/character)",
        &rope,
        true,
    )
}

/// Forward time against context length, log–log: attention's quadratic cost is a steeper line.
pub fn cost_figure(cost: &[CostPoint]) -> Result<Figure> {
    let curve = |f: fn(&CostPoint) -> f64| cost.iter().map(|c| (c.context as f64, f(c))).collect();
    plot::log_log_chart(
        "Cost of a forward pass against context length",
        "context length (tokens)",
        "milliseconds",
        &[
            Series::new("whole model", curve(|c| c.forward_ms)),
            Series::new(
                "one attention, written out",
                curve(|c| c.manual_attention_ms),
            ),
            Series::new("one attention, fused", curve(|c| c.fused_attention_ms)),
        ],
    )
}

/// Generation speed with and without the KV cache, against the number of tokens generated.
pub fn kv_cache_figure(kv: &[KvPoint]) -> Result<Figure> {
    let curve = |f: fn(&KvPoint) -> f64| kv.iter().map(|p| (p.tokens as f64, f(p))).collect();
    plot::line_chart(
        "Generation speed with and without the KV cache",
        "tokens generated",
        "tokens per second",
        &[
            Series::new("with KV cache", curve(|p| p.cached_tokens_per_sec)),
            Series::new(
                "re-reading the context",
                curve(|p| p.uncached_tokens_per_sec),
            ),
        ],
    )
}
