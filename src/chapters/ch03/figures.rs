//! Every chart of chapter 3, drawn from its result alone ([`draw`]), so the book's figures can be drawn again
//! from `result.json`. The `*_figure` functions draw the same charts in English.

use super::Ch03Result;
use super::attention::AttentionMaps;
use super::cost::{CostPoint, KvPoint};
use super::pretrain::{KnowledgePoint, PretrainRun};
use super::words::{Words, words};
use crate::data::world::Language;
use crate::eval::ClozeScore;
use crate::plot::{self, Figure, Series};
use anyhow::{Context, Result};

/// Every chart of the chapter, as `(file name, figure)`, from the result alone, in the run's language. The
/// comparisons of positions and tokenizers are drawn only when the comparison runs were made.
pub fn draw(r: &Ch03Result) -> Result<Vec<(&'static str, Figure)>> {
    let w = words(r.language);
    let main = r
        .runs
        .first()
        .context("the result holds no pretraining run")?;
    let [language, world_knowledge] = knowledge_charts(w, &r.knowledge, r.cloze.chance);
    let mut figures = vec![
        ("loss.svg", loss_chart(w, main)?),
        ("language.svg", language?),
        ("world_knowledge.svg", world_knowledge?),
        ("cloze_by_relation.svg", cloze_chart(w, &r.cloze)?),
    ];
    if r.runs.len() > 1 {
        figures.push(("positions.svg", positions_chart(w, &r.runs)?));
        figures.push(("tokenizers.svg", tokenizers_chart(w, &r.runs)?));
    }
    figures.extend([
        ("attention.svg", attention_chart(w, &r.attention)?),
        ("attention_cost.svg", cost_chart(w, &r.cost)?),
        ("kv_cache.svg", kv_cache_chart(w, &r.kv_cache)?),
    ]);
    Ok(figures)
}

/// The words of the English charts.
fn english() -> &'static Words {
    words(Language::En)
}

/// The last layer's attention on the chapter's sentence, one heat map per head.
pub fn attention_chart(w: &Words, maps: &AttentionMaps) -> Result<Figure> {
    let panels: Vec<(String, Vec<Vec<f64>>)> = (maps.panels.iter())
        .map(|(title, weights)| (w.panel(title), weights.clone()))
        .collect();
    plot::heatmaps(w.attention_chart[0], &maps.tokens, &panels)
}

/// The main run's train and validation loss.
pub fn loss_chart(w: &Words, run: &PretrainRun) -> Result<Figure> {
    let (train, val) = run.report.eval_curves();
    let [title, y, train_label, val_label] = w.loss_chart;
    plot::line_chart(
        title,
        w.axes[0],
        y,
        &[Series::new(train_label, train), Series::new(val_label, val)],
    )
}

// ANCHOR: knowledge_figures
/// `(training tokens, f(point))` along the main run.
fn along_training(points: &[KnowledgePoint], f: fn(&KnowledgePoint) -> f64) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.tokens as f64, f(p))).collect()
}

/// Language: validation perplexity against training tokens, log–log.
pub fn language_chart(w: &Words, points: &[KnowledgePoint]) -> Result<Figure> {
    let perplexity = along_training(points, |p| p.perplexity);
    let [title, y, curve] = w.language_chart;
    plot::log_log_chart(title, w.axes[1], y, &[Series::new(curve, perplexity)])
}

/// World knowledge: cloze accuracy on the world's facts against training tokens, with the chance level.
pub fn world_knowledge_chart(w: &Words, points: &[KnowledgePoint], chance: f64) -> Result<Figure> {
    let last = points.last().map_or(1.0, |p| p.tokens as f64);
    let [title, y, right, chance_label] = w.knowledge_chart;
    plot::line_chart(
        title,
        w.axes[1],
        y,
        &[
            Series::new(right, along_training(points, |p| p.cloze_accuracy)),
            Series::horizontal(chance_label, chance, 0.0, last),
        ],
    )
}

/// What pretraining learns, both charts: [`language_chart`] and [`world_knowledge_chart`].
pub fn knowledge_charts(w: &Words, points: &[KnowledgePoint], chance: f64) -> [Result<Figure>; 2] {
    [
        language_chart(w, points),
        world_knowledge_chart(w, points, chance),
    ]
}
// ANCHOR_END: knowledge_figures

/// Final cloze accuracy per relation, beside chance.
pub fn cloze_chart(w: &Words, cloze: &ClozeScore) -> Result<Figure> {
    let relations: Vec<String> = cloze
        .by_relation
        .iter()
        .map(|(r, _)| w.relation(r))
        .collect();
    let accuracy = cloze.by_relation.iter().map(|(_, a)| *a).collect();
    let chance = vec![cloze.chance; relations.len()];
    let [title, y, pretrained] = w.cloze_chart;
    let chance_label = w.knowledge_chart[3];
    plot::bar_chart(
        title,
        y,
        &relations,
        &[(pretrained.into(), accuracy), (chance_label.into(), chance)],
    )
}

/// Validation loss of `runs` against steps, per token or per character.
fn compare_chart(
    w: &Words,
    (title, y): (&str, &str),
    runs: &[&PretrainRun],
    per_char: bool,
) -> Result<Figure> {
    let series: Vec<Series> = runs
        .iter()
        .map(|r| {
            let (_, val) = r.report.eval_curves();
            let scale = if per_char { r.chars_per_token } else { 1.0 };
            Series::new(
                w.run(&r.label),
                val.into_iter().map(|(s, l)| (s, l / scale)).collect(),
            )
        })
        .collect();
    plot::line_chart(title, w.axes[0], y, &series)
}

/// Learned positions against RoPE (both BPE).
pub fn positions_chart(w: &Words, runs: &[PretrainRun]) -> Result<Figure> {
    let bpe: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.starts_with("BPE")).collect();
    compare_chart(w, w.compare_charts[0], &bpe, false)
}

/// Characters against BPE, in loss per character.
pub fn tokenizers_chart(w: &Words, runs: &[PretrainRun]) -> Result<Figure> {
    let rope: Vec<&PretrainRun> = runs.iter().filter(|r| r.label.ends_with("RoPE")).collect();
    compare_chart(w, w.compare_charts[1], &rope, true)
}

/// Forward time against context length, log–log: attention's quadratic cost is a steeper line.
pub fn cost_chart(w: &Words, cost: &[CostPoint]) -> Result<Figure> {
    let curve = |f: fn(&CostPoint) -> f64| cost.iter().map(|c| (c.context as f64, f(c))).collect();
    let [title, x, y, model, written_out, fused] = w.cost_chart;
    plot::log_log_chart(
        title,
        x,
        y,
        &[
            Series::new(model, curve(|c| c.forward_ms)),
            Series::new(written_out, curve(|c| c.manual_attention_ms)),
            Series::new(fused, curve(|c| c.fused_attention_ms)),
        ],
    )
}

/// Generation speed with and without the KV cache, against the number of tokens generated.
pub fn kv_cache_chart(w: &Words, kv: &[KvPoint]) -> Result<Figure> {
    let curve = |f: fn(&KvPoint) -> f64| kv.iter().map(|p| (p.tokens as f64, f(p))).collect();
    let [title, x, y, cached, uncached] = w.kv_chart;
    plot::line_chart(
        title,
        x,
        y,
        &[
            Series::new(cached, curve(|p| p.cached_tokens_per_sec)),
            Series::new(uncached, curve(|p| p.uncached_tokens_per_sec)),
        ],
    )
}

/// [`attention_chart`] in English.
pub fn attention_heatmaps(maps: &AttentionMaps) -> Result<Figure> {
    attention_chart(english(), maps)
}

/// [`loss_chart`] in English.
pub fn loss_figure(run: &PretrainRun) -> Result<Figure> {
    loss_chart(english(), run)
}

/// [`language_chart`] in English.
pub fn language_figure(points: &[KnowledgePoint]) -> Result<Figure> {
    language_chart(english(), points)
}

/// [`world_knowledge_chart`] in English.
pub fn world_knowledge_figure(points: &[KnowledgePoint], chance: f64) -> Result<Figure> {
    world_knowledge_chart(english(), points, chance)
}

/// [`knowledge_charts`] in English.
pub fn knowledge_figures(points: &[KnowledgePoint], chance: f64) -> [Result<Figure>; 2] {
    knowledge_charts(english(), points, chance)
}

/// [`cloze_chart`] in English.
pub fn cloze_figure(cloze: &ClozeScore) -> Result<Figure> {
    cloze_chart(english(), cloze)
}

/// [`positions_chart`] in English.
pub fn positions_figure(runs: &[PretrainRun]) -> Result<Figure> {
    positions_chart(english(), runs)
}

/// [`tokenizers_chart`] in English.
pub fn tokenizers_figure(runs: &[PretrainRun]) -> Result<Figure> {
    tokenizers_chart(english(), runs)
}

/// [`cost_chart`] in English.
pub fn cost_figure(cost: &[CostPoint]) -> Result<Figure> {
    cost_chart(english(), cost)
}

/// [`kv_cache_chart`] in English.
pub fn kv_cache_figure(kv: &[KvPoint]) -> Result<Figure> {
    kv_cache_chart(english(), kv)
}
