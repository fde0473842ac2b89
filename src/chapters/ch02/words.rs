//! What chapter 2's charts, report and run labels say, in the run's language: one table of words per
//! language. A Chinese run (`--lang zh`) reads its report, its results table and its charts in Chinese;
//! its runs' directories keep their English names ([`run_label`]).

use crate::data::world::Language;

/// The words of chapter 2. `{…}` slots are filled in with [`crate::chapters::fill`].
pub struct Words {
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{vocab}`, `{seconds}`.
    pub summary: &'static str,
    /// Part 1's section title, and its four charts' alt texts: the sweep, final loss, optimizers, schedules.
    pub part1: (&'static str, [&'static str; 4]),
    /// Part 2's section title, the small set's line (`{train}`, `{held_out}`), its two charts' alt texts.
    pub part2: (&'static str, &'static str, [&'static str; 2]),
    /// The results table's section title.
    pub every_run: &'static str,
    /// The results table's header, in [`crate::sweep::RESULTS_COLUMNS`]' order.
    pub table_header: [&'static str; 11],
    /// How a run ended: completed, diverged at `{step}`, stopped early at `{step}`.
    pub status: [&'static str; 3],
    /// The schedules: constant, cosine decay, and either (`{schedule}`) after a warm-up of `{steps}`.
    pub schedules: [&'static str; 3],
    /// The x axis of every chart.
    pub step: &'static str,
    /// A run's training and validation curves; `{label}`.
    pub curves: [&'static str; 2],
    /// The y axes: training loss, loss.
    pub loss_axes: [&'static str; 2],
    /// The sweep's chart: title, the diverged runs' dots.
    pub lr_curves_chart: [&'static str; 2],
    /// The final-loss chart: title, x axis, the final losses, the diverged runs' last estimates.
    pub lr_final_chart: [&'static str; 4],
    /// The titles of the optimizer, the schedule and the remedies charts.
    pub titles: [&'static str; 3],
    /// The overfitting chart: title, train, validation, the turning point, where early stopping ended.
    pub overfitting_chart: [&'static str; 5],
}

/// English, the course's default.
const ENGLISH: Words = Words {
    title: "Chapter 2 — optimization and overfitting",
    summary: "Device: {device} · vocabulary {vocab} · wall time {seconds} s",
    part1: (
        "Part 1: when training fails",
        [
            "learning-rate sweep",
            "final loss against learning rate",
            "SGD and AdamW",
            "schedules",
        ],
    ),
    part2: (
        "Part 2: when testing fails",
        "Small training set: {train} characters; held-out text about the same people: {held_out} characters.",
        ["overfitting", "remedies"],
    ),
    every_run: "Every run",
    table_header: crate::sweep::RESULTS_COLUMNS,
    status: [
        "completed",
        "diverged at step {step}",
        "stopped early at step {step}",
    ],
    schedules: ["constant", "cosine", "{schedule}, warm-up {steps}"],
    step: "training step",
    curves: ["{label} · train", "{label} · validation"],
    loss_axes: ["training loss (nats/token)", "loss (nats/token)"],
    lr_curves_chart: ["Learning-rate sweep: training loss", "diverged (stopped)"],
    lr_final_chart: [
        "Final loss against learning rate",
        "log10(learning rate)",
        "final training loss",
        "diverged (last finite estimate)",
    ],
    titles: [
        "SGD and AdamW, same steps",
        "Warm-up and cosine decay at a high rate",
        "Remedies for overfitting: validation loss",
    ],
    overfitting_chart: [
        "Overfitting: training succeeds, testing fails",
        "train",
        "validation",
        "lowest validation loss (turning point)",
        "early stopping ends here, keeps the best",
    ],
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    title: "第 2 章 — 优化与过拟合",
    summary: "设备：{device} · 词表 {vocab} 个 token · 用时 {seconds} 秒",
    part1: (
        "第一部分：训练失败的时候",
        [
            "学习率扫参",
            "最终损失与学习率",
            "SGD 与 AdamW",
            "学习率调度",
        ],
    ),
    part2: (
        "第二部分：测试失败的时候",
        "小训练集：{train} 个字符；关于同一批人的留出文本：{held_out} 个字符。",
        ["过拟合", "过拟合的补救办法"],
    ),
    every_run: "全部运行",
    table_header: [
        "运行",
        "优化器",
        "学习率",
        "学习率调度",
        "dropout",
        "权重衰减",
        "结局",
        "训练损失",
        "验证损失",
        "最低验证损失（步数）",
        "秒",
    ],
    status: ["完成", "在第 {step} 步发散", "在第 {step} 步早停"],
    schedules: ["恒定", "余弦衰减", "{schedule}，预热 {steps} 步"],
    step: "训练步数",
    curves: ["{label} · 训练", "{label} · 验证"],
    loss_axes: ["训练损失（奈特/token）", "损失（奈特/token）"],
    lr_curves_chart: ["学习率扫参：训练损失", "发散（已停止）"],
    lr_final_chart: [
        "最终损失与学习率",
        "log10(学习率)",
        "最终训练损失",
        "发散（最后一次有限的估计）",
    ],
    titles: [
        "SGD 与 AdamW，相同步数",
        "高学习率下的预热与余弦衰减",
        "过拟合的补救办法：验证损失",
    ],
    overfitting_chart: [
        "过拟合：训练成功，测试失败",
        "训练",
        "验证",
        "最低验证损失（转折点）",
        "早停在此结束，保留最好的权重",
    ],
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}

/// Each run's English label (or the start of it, before a number) and its Chinese name, longest first so
/// that `"SGD lr "` is found before `"lr "`.
const RUN_NAMES: [(&str, &str); 12] = [
    ("pretraining on other people", "在其他人的文本上预训练"),
    ("warm-up + cosine lr ", "预热 + 余弦衰减，学习率 "),
    ("more diverse data", "更多样的数据"),
    ("pretrained start", "从预训练模型出发"),
    ("early stopping", "早停"),
    ("weight decay ", "权重衰减 "),
    ("constant lr ", "恒定学习率 "),
    ("AdamW lr ", "AdamW，学习率 "),
    ("baseline", "基线"),
    ("dropout ", "dropout "),
    ("SGD lr ", "SGD，学习率 "),
    ("lr ", "学习率 "),
];

/// A run's label in `language`. The sweeps run under their English labels, so the run's directories have
/// the same names in both languages (a label's letters name its directory, [`crate::sweep::Variant::slug`]);
/// the report and the charts show the label in the run's language. A label with no Chinese name stays as
/// it is.
pub fn run_label(language: Language, label: &str) -> String {
    let name = RUN_NAMES
        .iter()
        .find_map(|(en, zh)| label.strip_prefix(en).map(|rest| format!("{zh}{rest}")));
    match language {
        Language::Zh => name.unwrap_or_else(|| label.to_string()),
        Language::En => label.to_string(),
    }
}
