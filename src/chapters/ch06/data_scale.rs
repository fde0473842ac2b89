//! The data side of scale: one size of the ladder trained on more and more text, its loss and its addition
//! measured at every budget; and, at a fixed compute `C ≈ 6 · N · D`, a smaller model on more text against a
//! larger one on less (Hoffmann et al., 2022).
//!
//! More tokens here means more *distinct* text: a run of `D` tokens reads the first `D` characters of the
//! skills text (the same generator and seed as the ladder's), in random windows, so about once. Every run has
//! its own learning-rate schedule, ending where its budget ends, and is cached in `<run>/data/<size>-<tokens>/`,
//! so a second run trains only what is missing.

use super::Ch06Config;
use super::abilities::{AdditionScore, addition_score};
use super::config::{AbilityConfig, Size};
use super::figures::count;
use super::ladder::{MEASUREMENT_VERSION, SizeRun, prepare_data, train_size};
use crate::chapters::fill;
use crate::checkpoint;
use crate::data::skills::Format;
use crate::data::world::Language;
use crate::eval::{self, PowerLaw};
use crate::markdown::Table;
use crate::plot::{self, Figure, Series};
use crate::run::{self, Cache, RunDir};
use crate::train::TrainConfig;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use tch::Device;

/// One size trained on one amount of text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataRun {
    /// How it trained (its label is the ladder size's).
    pub run: SizeRun,
    /// Training tokens: steps × tokens per step.
    pub tokens: usize,
    /// Characters of distinct training text it read from.
    pub text_chars: usize,
    /// Exact and partial scores of worked addition at every trained digit count.
    pub addition: Vec<AdditionScore>,
    /// Whether training was read back from an earlier run.
    pub cached: bool,
}

impl DataRun {
    /// Exact-match accuracy of worked sums of `digits` digits (0 when not measured).
    pub fn worked(&self, digits: u32) -> f64 {
        (self.addition.iter())
            .find(|a| a.digits == digits)
            .map_or(0.0, |a| a.scores.exact)
    }
}

/// What the data experiment measured; empty when it was off.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataScaleResult {
    /// The language of its charts and report.
    #[serde(default, skip_serializing_if = "Language::is_english")]
    pub language: Language,
    /// The fixed size at every budget, fewest tokens first.
    pub runs: Vec<DataRun>,
    /// The larger size, each run at the compute of one of `runs`.
    pub larger: Vec<DataRun>,
    /// `L = a · Dᵏ` fitted to the final losses of `runs`.
    pub loss_vs_tokens: Option<PowerLaw>,
}

impl DataScaleResult {
    /// Every run of the larger size beside the run of the fixed size whose compute it matched.
    pub fn matchups(&self) -> Vec<(&DataRun, &DataRun)> {
        let nearest = |c: f64| {
            let gap = |r: &&DataRun| (r.run.flops / c).ln().abs();
            self.runs.iter().min_by(|a, b| gap(a).total_cmp(&gap(b)))
        };
        (self.larger.iter())
            .filter_map(|l| Some((nearest(l.run.flops)?, l)))
            .collect()
    }
}

/// `TrainConfig` of the ladder, stretched or shrunk to `steps`: warm-up in the same proportion, four
/// evaluations, the cosine schedule ending with the budget.
fn train_for(train: &TrainConfig, steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        warmup_steps: (train.warmup_steps * steps / train.steps.max(1)).max(1),
        eval_every: (steps / 4).max(1),
        ..train.clone()
    }
}

// ANCHOR: data_run
/// Train `size` on `tokens` tokens of fresh text into `<data>/<label>-<tokens>/` (or read it back), and measure
/// its worked addition beside it.
fn data_run(
    cfg: &Ch06Config,
    size: &Size,
    tokens: usize,
    data_dir: &RunDir,
    device: Device,
) -> Result<DataRun> {
    let per_step = cfg.tokens_per_step();
    let steps = ((tokens + per_step / 2) / per_step).max(1);
    let budget = Ch06Config {
        train_chars: tokens.max(per_step),
        train: train_for(&cfg.train, steps),
        ..cfg.clone()
    };
    let text = prepare_data(&budget)?; // the first `train_chars` characters of the ladder's text
    let named = Size {
        label: format!("{}-{tokens}", size.label),
        ..size.clone()
    };
    let (mut trained, cache) = train_size(&budget, &text, &named, data_dir, device)?;
    trained.size = size.clone();
    Ok(DataRun {
        addition: worked_addition(cfg, &trained, device)?,
        tokens: steps * per_step,
        text_chars: budget.train_chars,
        run: trained,
        cached: cache == Cache::Hit,
    })
}
// ANCHOR_END: data_run

/// Worked sums at every trained digit count, `data_scale.problems` each, cached beside the checkpoint.
fn worked_addition(
    cfg: &Ch06Config,
    trained: &SizeRun,
    device: Device,
) -> Result<Vec<AdditionScore>> {
    let dir = (trained.checkpoint.parent()).context("a run's checkpoint lies in its directory")?;
    let tests = Ch06Config {
        abilities: AbilityConfig {
            problems: cfg.data_scale.problems,
            ..cfg.abilities.clone()
        },
        ..cfg.clone()
    };
    let key = (
        MEASUREMENT_VERSION,
        &trained.gpt,
        &trained.val_loss,
        &tests.abilities,
        &cfg.skills,
    );
    let reuse = run::Reuse::new(cfg.fresh, cfg.progress);
    let (scores, _) = run::cached_with(dir, "addition", &key, reuse, |_| {
        let (model, tokenizer) = checkpoint::load_model(&trained.checkpoint, device)?;
        (1..=cfg.skills.max_digits)
            .map(|d| addition_score(&model, &tokenizer, &tests, Format::Worked, d))
            .collect()
    })?;
    Ok(scores)
}

// ANCHOR: data_scale
/// The data experiment of `cfg.data_scale` in `<run>/data/`: the fixed size at every budget of tokens, then the
/// larger size at the compute of the chosen budgets, on `C / (FLOPs per token)` tokens.
pub fn data_scale(cfg: &Ch06Config, run: &RunDir, device: Device) -> Result<DataScaleResult> {
    let d = &cfg.data_scale;
    let mut result = DataScaleResult {
        language: cfg.language,
        ..DataScaleResult::default()
    };
    if !d.is_on() {
        return Ok(result);
    }
    let data_dir = RunDir::create(&run.path, "data")?;
    let ladder_size = |label: &str| cfg.sizes.iter().find(|s| s.label == label);
    let size = ladder_size(&d.size).context("data_scale.size is not in the ladder")?;
    for &tokens in &d.tokens {
        result
            .runs
            .push(data_run(cfg, size, tokens, &data_dir, device)?);
    }
    if let Some(larger) = ladder_size(&d.larger) {
        let vocab = result.runs[0].run.gpt.vocab_size;
        let per_token = (larger.gpt(vocab, cfg.train.block_size, cfg.position))
            .flops_per_token(cfg.train.block_size);
        let budgets = d.tokens.iter().zip(&result.runs);
        result.larger = (budgets.filter(|(t, _)| d.larger_at.contains(t)))
            .map(|(_, small)| {
                let tokens = (small.run.flops / per_token).round() as usize; // the same C, fewer tokens
                data_run(cfg, larger, tokens, &data_dir, device)
            })
            .collect::<Result<_>>()?;
    }
    let points: Vec<(f64, f64)> = (result.runs.iter())
        .map(|r| (r.tokens as f64, r.run.val_loss))
        .collect();
    result.loss_vs_tokens = eval::fit_power_law(&points);
    Ok(result)
}
// ANCHOR_END: data_scale

/// What the experiment's charts and report say, in the run's language. `{…}` slots are filled in with
/// [`fill`].
struct Words {
    /// The report's section title.
    title: &'static str,
    /// The table's header.
    header: [&'static str; 8],
    /// Read back: yes, no.
    cached: [&'static str; 2],
    /// The fitted law; `{law}`.
    fit: &'static str,
    /// One comparison at the same compute; `{flops}`, `{small}`, `{large}`, `{winner}`.
    matchup: &'static str,
    /// A run in a comparison: `{label}`, `{params}`, `{tokens}`, `{loss}`.
    contender: &'static str,
    /// The loss chart: title (`{size}`), x axis, y axis, the runs' series.
    loss_chart: [&'static str; 4],
    /// The skill chart: title (`{size}`), x axis, y axis, a digit count's series (`{digits}`).
    skill_chart: [&'static str; 4],
    /// The compute chart: title, x axis, y axis.
    compute_chart: [&'static str; 3],
}

const ENGLISH: Words = Words {
    title: "More data, not only larger models",
    header: [
        "size",
        "training tokens",
        "distinct text (chars)",
        "training FLOPs",
        "val loss",
        "worked sums right, by digits",
        "seconds",
        "cached",
    ],
    cached: ["yes", "no"],
    fit: "loss against training tokens: {law}",
    matchup: "At {flops} FLOPs: {small}; {large}. Lower: {winner}.",
    contender: "{label} ({params} parameters) on {tokens} tokens reaches {loss}",
    loss_chart: [
        "Validation loss against training tokens ({size}, fresh text)",
        "training tokens D",
        "validation loss (nats/char)",
        "{size}, one run per budget",
    ],
    skill_chart: [
        "Worked addition against training tokens ({size})",
        "log₁₀ training tokens",
        "exact answers",
        "{digits}-digit sums",
    ],
    compute_chart: [
        "The same compute: a smaller model on more text, a larger on less",
        "training FLOPs C ≈ 6·N·D",
        "validation loss (nats/char)",
    ],
};

const CHINESE: Words = Words {
    title: "更多数据，而不只是更大的模型",
    header: [
        "规模",
        "训练 token 数",
        "不重复的文本（字符）",
        "训练 FLOPs",
        "验证损失",
        "列竖式加法答对率（按位数）",
        "秒",
        "缓存",
    ],
    cached: ["是", "否"],
    fit: "损失与训练 token 数：{law}",
    matchup: "{flops} FLOPs 时：{small}；{large}。更低的是：{winner}。",
    contender: "{label}（{params} 个参数）训练 {tokens} 个 token，损失为 {loss}",
    loss_chart: [
        "验证损失与训练 token 数（{size}，不重复的文本）",
        "训练 token 数 D",
        "验证损失（奈特/字符）",
        "{size}，每个预算一次训练",
    ],
    skill_chart: [
        "列竖式加法与训练 token 数（{size}）",
        "log₁₀ 训练 token 数",
        "完全答对的比例",
        "{digits} 位数加法",
    ],
    compute_chart: [
        "同样的算力：小模型读更多文本，大模型读更少",
        "训练 FLOPs C ≈ 6·N·D",
        "验证损失（奈特/字符）",
    ],
};

/// The words of `language`.
fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}

/// `L = 8.25 · x^-0.149 (R² 0.87)`.
fn law_text(law: &PowerLaw, x: &str) -> String {
    format!("L = {:.3} · {x}^{:.4} (R² {:.3})", law.a, law.k, law.r2)
}

/// The experiment's charts, as `(file name, figure)`, from its result alone; none when it was off.
pub fn draw(r: &DataScaleResult) -> Result<Vec<(&'static str, Figure)>> {
    if r.runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut charts = vec![
        ("data_loss.svg", loss_figure(r)?),
        ("data_skill.svg", skill_figure(r)?),
    ];
    if !r.larger.is_empty() {
        charts.push(("data_compute.svg", compute_figure(r)?));
    }
    Ok(charts)
}

/// The label of the fixed size.
fn size_label(r: &DataScaleResult) -> &str {
    r.runs.first().map_or("", |d| d.run.size.label.as_str())
}

/// Final validation loss against training tokens, log–log, one point per budget, with the fitted power law.
pub fn loss_figure(r: &DataScaleResult) -> Result<Figure> {
    let w = words(r.language);
    let [title, x, y, runs] = w.loss_chart;
    let size = size_label(r);
    let points: Vec<(f64, f64)> = (r.runs.iter())
        .map(|d| (d.tokens as f64, d.run.val_loss))
        .collect();
    let mut series = vec![Series::points(
        fill(runs, &[("size", &size)]),
        points.clone(),
    )];
    if let Some(law) = r.loss_vs_tokens {
        let fitted = points.iter().map(|&(d, _)| (d, law.at(d))).collect();
        series.push(Series::new(law_text(&law, "D"), fitted).dashed());
    }
    plot::log_log_chart(&fill(title, &[("size", &size)]), x, y, &series)
}

/// Worked addition's exact answers against training tokens (x: log₁₀ tokens), one line per digit count.
pub fn skill_figure(r: &DataScaleResult) -> Result<Figure> {
    let w = words(r.language);
    let [title, x, y, digits_label] = w.skill_chart;
    let digits: Vec<u32> = r.runs[0].addition.iter().map(|a| a.digits).collect();
    let series: Vec<Series> = (digits.iter())
        .map(|&n| {
            let points = (r.runs.iter())
                .map(|d| ((d.tokens as f64).log10(), d.worked(n)))
                .collect();
            Series::new(fill(digits_label, &[("digits", &n)]), points)
        })
        .collect();
    plot::line_chart(&fill(title, &[("size", &size_label(r))]), x, y, &series)
}

/// Final validation loss against training compute, log–log: the fixed size at its budgets and the larger
/// size at the same compute on fewer tokens. Where the two lines cross, the best use of the compute changes.
pub fn compute_figure(r: &DataScaleResult) -> Result<Figure> {
    let w = words(r.language);
    let [title, x, y] = w.compute_chart;
    let line = |runs: &[DataRun]| {
        let first = &runs[0].run;
        let label = format!(
            "{} (N = {})",
            first.size.label,
            count(first.non_embedding_params)
        );
        let points = runs.iter().map(|d| (d.run.flops, d.run.val_loss)).collect();
        Series::new(label, points)
    };
    plot::log_log_chart(title, x, y, &[line(&r.runs), line(&r.larger)])
}

/// The experiment's section of chapter 6's report; empty when it was off.
pub fn report(r: &DataScaleResult) -> String {
    if r.runs.is_empty() {
        return String::new();
    }
    let w = words(r.language);
    let mut s = format!("\n## {}\n\n", w.title);
    let mut table = Table::new(w.header, "lrrrrlrl");
    for d in r.runs.iter().chain(&r.larger) {
        let sums: Vec<String> = (d.addition.iter())
            .map(|a| format!("{:.2}", a.scores.exact))
            .collect();
        table.row([
            format!(
                "{} ({})",
                d.run.size.label,
                count(d.run.non_embedding_params)
            ),
            d.tokens.to_string(),
            d.text_chars.to_string(),
            format!("{:.2e}", d.run.flops),
            format!("{:.4}", d.run.val_loss),
            sums.join(" / "),
            format!("{:.0}", d.run.seconds),
            w.cached[usize::from(!d.cached)].to_string(),
        ]);
    }
    s += &table.to_string();
    if let Some(law) = &r.loss_vs_tokens {
        let _ = writeln!(s, "\n{}", fill(w.fit, &[("law", &law_text(law, "D"))]));
    }
    for (small, large) in r.matchups() {
        let contender = |d: &DataRun| {
            let params = count(d.run.non_embedding_params);
            let loss = format!("{:.4}", d.run.val_loss);
            let slots: [(&str, &dyn std::fmt::Display); 4] = [
                ("label", &d.run.size.label),
                ("params", &params),
                ("tokens", &d.tokens),
                ("loss", &loss),
            ];
            fill(w.contender, &slots)
        };
        let winner = if large.run.val_loss < small.run.val_loss {
            &large.run.size.label
        } else {
            &small.run.size.label
        };
        let flops = format!("{:.2e}", large.run.flops);
        let slots: [(&str, &dyn std::fmt::Display); 4] = [
            ("flops", &flops),
            ("small", &contender(small)),
            ("large", &contender(large)),
            ("winner", winner),
        ];
        let _ = writeln!(s, "\n{}", fill(w.matchup, &slots));
    }
    s
}
