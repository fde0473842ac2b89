//! What chapter 4's charts, report and run labels say, in the run's language: one table of words per
//! language. A Chinese run (`--lang zh`) reads its report and charts in Chinese.

use crate::data::world::Language;

/// The words of chapter 4. `{…}` slots are filled in with [`crate::chapters::fill`].
pub struct Words {
    /// The four fine-tuning runs: masked, unmasked, random start, LoRA (`{rank}`).
    pub runs: [&'static str; 4],
    /// What a before-and-after question is about: a fine-tuned person, a held-out one, an addition, nobody.
    pub about: [&'static str; 4],
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{examples}`, `{seconds}`.
    pub summary: &'static str,
    /// The line before the masked example.
    pub mask: &'static str,
    /// The runs table's header.
    pub runs_header: [&'static str; 8],
    /// The knowledge-extraction section's title.
    pub knowledge: &'static str,
    /// The diversity table's header.
    pub diversity_header: [&'static str; 4],
    /// The before-and-after section's title.
    pub before_after: &'static str,
    /// The pretrained and the fine-tuned model's answers, and an answer cut off.
    pub answers: [&'static str; 3],
    /// The share of invented answers about nobody; `{percent}`.
    pub invented: &'static str,
    /// The fine-tuned checkpoint's line; `{path}`.
    pub checkpoint: &'static str,
    /// The loss chart: title, x axis, y axis, a run's training curve (`{label}`), the held-out answers'.
    pub loss_chart: [&'static str; 5],
    /// The accuracy chart: title, y axis.
    pub accuracy_chart: [&'static str; 2],
    /// The fine-tuned people, the held-out people, and the held-out facts recalled before fine-tuning.
    pub groups: [&'static str; 3],
    /// The diversity chart: title, x axis, y axis.
    pub diversity_chart: [&'static str; 3],
    /// The style section's title.
    pub style: &'static str,
    /// Its summary; `{draws}`, `{preset}`, `{first}`, `{last}`, `{answers}`, `{forms}`, `{min}`, `{max}`,
    /// `{mean}`, `{stopped}`, `{total}`, `{reference}`.
    pub style_summary: &'static str,
    /// Its table's header.
    pub style_header: [&'static str; 6],
    /// The line before one question's draws (`{question}`), and a draw's seed (`{seed}`).
    pub style_draws: [&'static str; 2],
}

/// English, the course's default.
const ENGLISH: Words = Words {
    runs: [
        "answers only (masked)",
        "every token",
        "random start",
        "LoRA r = {rank}",
    ],
    about: ["fine-tuned person", "held-out person", "addition", "nobody"],
    title: "Chapter 4 — supervised fine-tuning",
    summary: "Device: {device} · {examples} fine-tuning examples · wall time {seconds} s",
    mask: "The loss counts only the ⟦marked⟧ tokens:",
    runs_header: [
        "run",
        "trainable parameters",
        "answer loss",
        "fine-tuned people",
        "held-out people",
        "exact match",
        "stops",
        "addition",
    ],
    knowledge: "Knowledge extraction",
    diversity_header: [
        "diversity",
        "fine-tuned people",
        "held-out people",
        "held-out, recalled before fine-tuning",
    ],
    before_after: "Before and after",
    answers: ["pretrained", "fine-tuned", " (did not stop)"],
    invented: "About people who do not exist, {percent}% of the answers invent a fact.",
    checkpoint: "Fine-tuned checkpoint: {path}",
    loss_chart: [
        "Fine-tuning: the loss",
        "fine-tuning step",
        "cross-entropy (nats/token)",
        "{label} · train",
        "{label} · held-out answers",
    ],
    accuracy_chart: ["Answer accuracy", "fraction of answers right"],
    groups: [
        "fine-tuned people",
        "held-out people",
        "held-out, recalled before fine-tuning",
    ],
    diversity_chart: [
        "Knowledge extraction against pretraining diversity",
        "paraphrases per fact in pretraining",
        "fraction of facts right",
    ],
    style: "Style: the same question, sampled again",
    style_summary: "Every question asked {draws} times with the {preset} preset (seeds {first} to {last}): on average \
        {answers} different answers and {forms} forms per question; answers of {min} to {max} characters (mean \
        {mean}); {stopped} of {total} stopped with <|end|>; {reference} were the fine-tuning answer word for word.",
    style_header: [
        "about",
        "question",
        "different answers",
        "forms",
        "characters",
        "stopped",
    ],
    style_draws: ["The draws for {question}:", "seed {seed}"],
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    runs: [
        "只学回答（掩码）",
        "每个 token",
        "随机初始化",
        "LoRA r = {rank}",
    ],
    about: ["微调过的人", "留出的人", "加法", "不存在的人"],
    title: "第 4 章 — 监督微调",
    summary: "设备：{device} · {examples} 个微调样本 · 用时 {seconds} 秒",
    mask: "损失只计算 ⟦标出⟧ 的 token：",
    runs_header: [
        "运行",
        "可训练参数",
        "回答损失",
        "微调过的人",
        "留出的人",
        "完全匹配",
        "自行停止",
        "加法",
    ],
    knowledge: "知识提取",
    diversity_header: ["多样性", "微调过的人", "留出的人", "留出的人，微调前能回忆"],
    before_after: "微调前后",
    answers: ["预训练模型", "微调后", "（没有停下）"],
    invented: "对于不存在的人，{percent}% 的回答编造了事实。",
    checkpoint: "微调后的检查点：{path}",
    loss_chart: [
        "微调：损失",
        "微调步数",
        "交叉熵（奈特/token）",
        "{label} · 训练",
        "{label} · 留出的回答",
    ],
    accuracy_chart: ["回答准确率", "回答正确的比例"],
    groups: ["微调过的人", "留出的人", "留出的人，微调前能回忆"],
    diversity_chart: [
        "知识提取与预训练的多样性",
        "预训练中每个事实的说法数",
        "答对的事实比例",
    ],
    style: "风格：同一个问题，再采样一次",
    style_summary: "每个问题用 {preset} 预设问 {draws} 次（种子 {first} 到 {last}）：平均每个问题得到 {answers} 种不同的\
        回答、{forms} 种形式；回答长 {min} 到 {max} 个字符（平均 {mean}）；{total} 次中有 {stopped} 次以 <|end|> 停下；\
        {reference} 次与微调答案一字不差。",
    style_header: ["关于", "问题", "不同的回答", "形式", "字符数", "自行停止"],
    style_draws: ["{question} 的各次采样：", "种子 {seed}"],
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}
