//! What chapter 1's charts and report say, in the run's language: one table of words per language, the
//! charts and the report shared. A Chinese run (`--lang zh`) reads its report and charts in Chinese. Slots
//! are filled in with [`crate::chapters::fill`].

use crate::chapters::ModelNames;
use crate::data::world::Language;

/// The words of chapter 1's charts and report. `{…}` slots are filled in by the caller.
pub struct Words {
    /// The loss chart's title.
    pub loss_title: &'static str,
    /// The loss chart's x axis.
    pub step: &'static str,
    /// The loss chart's y axis.
    pub loss_axis: &'static str,
    /// The four loss curves: bigram train and validation, GPT train and validation.
    pub curves: [&'static str; 4],
    /// The uniform guess's line on the loss chart.
    pub uniform: &'static str,
    /// The uniform guess's row in the model table.
    pub uniform_row: &'static str,
    /// The next-token chart's title and the report's section on it; `{prompt}`.
    pub next_token: &'static str,
    /// The next-token chart's y axis.
    pub probability: &'static str,
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{chars}`, `{vocab}`, `{seconds}`.
    pub summary: &'static str,
    /// The model table's header.
    pub model_header: [&'static str; 6],
    /// The samples section's title.
    pub samples: &'static str,
    /// A sample's heading; `{preset}`, `{t}`, `{p}`.
    pub sample: &'static str,
    /// The repetition section's title; `{n}`.
    pub repetition: &'static str,
    /// The repetition table's header.
    pub repetition_header: [&'static str; 3],
    /// The step-by-step section's title.
    pub step_by_step: &'static str,
    /// The trace's caption; `{preset}`, `{t}`, `{p}`, `{seed}`, `{tokens}`, `{candidates}`, `{device}`.
    pub trace: &'static str,
    /// The trace table's column names (`generate::TRACE_HEADER` in English).
    pub trace_header: [&'static str; 5],
    /// How the report names a model whose label (in `result.json`) is English: `(label, name)`.
    pub models: ModelNames,
}

/// English, the course's default.
const ENGLISH: Words = Words {
    loss_title: "Learning to continue text",
    step: "training step",
    loss_axis: "cross-entropy (nats/token)",
    curves: [
        "bigram · train",
        "bigram · validation",
        "GPT · train",
        "GPT · validation",
    ],
    uniform: "uniform guess ln V",
    uniform_row: "uniform guess",
    next_token: "Next token after \"{prompt}\"",
    probability: "probability",
    title: "Chapter 1 — text continuation",
    summary: "Device: {device} · corpus: {chars} characters · vocabulary: {vocab} tokens · wall time {seconds} s",
    model_header: [
        "model",
        "parameters",
        "train loss",
        "validation loss",
        "tokens/s",
        "seconds",
    ],
    samples: "Samples",
    sample: "**{preset}** (T = {t}, top-p = {p}):",
    repetition: "Repetition ({n}-word n-grams repeated)",
    repetition_header: ["decoding", "repeated fraction", "outputs"],
    step_by_step: "Step by step",
    trace: "The {preset} preset (temperature {t}, top-p {p}), seed {seed}, {tokens} tokens; the model's \
            {candidates} most likely candidates per step; GPT trained on {device}.",
    trace_header: crate::generate::TRACE_HEADER,
    models: ModelNames(&[]),
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    loss_title: "学习续写文本",
    step: "训练步数",
    loss_axis: "交叉熵（奈特/token）",
    curves: [
        "二元模型 · 训练",
        "二元模型 · 验证",
        "GPT · 训练",
        "GPT · 验证",
    ],
    uniform: "均匀猜测 ln V",
    uniform_row: "均匀猜测",
    next_token: "“{prompt}”之后的下一个 token",
    probability: "概率",
    title: "第 1 章 — 文本续写",
    summary: "设备：{device} · 语料：{chars} 个字符 · 词表：{vocab} 个 token · 用时 {seconds} 秒",
    model_header: ["模型", "参数量", "训练损失", "验证损失", "token/秒", "秒"],
    samples: "样本",
    sample: "**{preset}**（T = {t}，top-p = {p}）：",
    repetition: "重复（重复出现的 {n} 元组，每个汉字算一个词）",
    repetition_header: ["解码方式", "重复比例", "输出数"],
    step_by_step: "逐步生成",
    trace: "{preset} 预设（温度 {t}，top-p {p}），种子 {seed}，{tokens} 个 token；每一步列出模型最可能的 \
            {candidates} 个候选；GPT 在 {device} 上训练。",
    trace_header: ["步", "上下文（末尾）", "候选：模型 → 规则", "保留", "选中"],
    models: ModelNames(&[("bigram", "二元模型"), ("gpt", "GPT")]),
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}
