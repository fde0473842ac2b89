//! What chapter 6's charts and report say, in the run's language: one table of words per language. A
//! Chinese run (`--lang zh`) reads its report and charts in Chinese; the sizes keep their labels (`XS`, `S`)
//! and the fitted laws their formula in both. Slots are filled in with [`crate::chapters::fill`].

use crate::data::skills::Format;
use crate::data::world::Language;

/// The words of chapter 6.
pub struct Words {
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{seconds}`.
    pub summary: &'static str,
    /// The sizes table's header.
    pub sizes_header: [&'static str; 8],
    /// A size read back from an earlier run, or trained now.
    pub yes_no: [&'static str; 2],
    /// How many sizes were read back; `{read_back}`, `{sizes}`, `{seconds}`.
    pub read_back: &'static str,
    /// The fitted laws: loss against N (`{law}`), against compute (`{law}`), and no fit.
    pub laws: [&'static str; 3],
    /// The addition section's title, the size and format columns, and a digit count's column (`{digits}`).
    pub addition: [&'static str; 4],
    /// The formats in the report's tables: the answer alone, worked steps.
    pub formats: [&'static str; 2],
    /// A worked example's line: `{size}`, `{format}`, `{text}` (the prompt and the model's completion).
    pub example: &'static str,
    /// The code-book section's title, and the ideal reader's row.
    pub code: [&'static str; 2],
    /// The instructions section's title.
    pub instructions: &'static str,
    /// The instructions table's header.
    pub instructions_header: [&'static str; 4],
    /// The induction section: title, the copy losses (`{second_from}`, `{second_to}`, `{first_from}`,
    /// `{first_to}`, `{steps}`, `{seconds}`), and the heads found (`{layer}`, `{head}`, `{score}`,
    /// `{previous}`, `{share}`).
    pub induction: [&'static str; 3],
    /// The scaling charts: the sizes' points, the fit through them, the fit through the final points.
    pub scaling_series: [&'static str; 3],
    /// A fitted law in a chart's legend: `{label}` (a fit), `{law}` (its formula).
    pub law: &'static str,
    /// The scaling charts' titles (against size, against compute), their x axes, and their y axis.
    pub scaling_charts: [&'static str; 5],
    /// The in-context chart: title, x axis, y axis.
    pub icl_chart: [&'static str; 3],
    /// The chain-of-thought chart: title (`{max_digits}`), x axis, y axis.
    pub cot_chart: [&'static str; 3],
    /// The chain-of-thought chart's legend: the answer alone (drawn dashed), worked steps.
    pub cot_legend: [&'static str; 2],
    /// The mirage charts' tasks: worked sums of `{digits}` digits, instructed, held-out operations.
    pub mirage_tasks: [&'static str; 3],
    /// The mirage charts: (title, y axis) scored exactly, then with partial credit.
    pub mirage_charts: [(&'static str, &'static str); 2],
    /// The x axis of the charts against size.
    pub log_params: &'static str,
    /// The instructions chart: title, instructed in training, held out as instructions, held out in prose.
    pub instructions_chart: [&'static str; 4],
    /// The y axis of the addition and instructions charts.
    pub exact_answers: &'static str,
    /// The induction loss chart: title, y axis, the first copy, the second.
    pub induction_loss_chart: [&'static str; 4],
    /// The induction scores chart: title, y axis, a head (`{layer}`, `{head}`).
    pub induction_scores_chart: [&'static str; 3],
    /// The two heads' chart: title, the previous-token head (`{head}`), the induction head (`{layer}`,
    /// `{head}`).
    pub induction_head_chart: [&'static str; 3],
    /// The x axis of the induction charts.
    pub step: &'static str,
}

/// English, the course's default.
const ENGLISH: Words = Words {
    title: "Chapter 6: emergent abilities",
    summary: "device: {device} · {seconds} s in all",
    sizes_header: [
        "size",
        "layers × width",
        "parameters",
        "non-embedding N",
        "training FLOPs",
        "val loss",
        "seconds",
        "cached",
    ],
    yes_no: ["yes", "no"],
    read_back: "{read_back} of {sizes} sizes read back from earlier runs; training all of them took {seconds} s when they were trained.",
    laws: [
        "loss against N: {law}",
        "loss against compute: {law}",
        "no fit",
    ],
    addition: [
        "Addition (exact / per character)",
        "size",
        "format",
        "{digits} digits",
    ],
    formats: ["answer alone", "worked steps"],
    example: "- {size} {format}: `{text}`",
    code: [
        "Code book: code words right, by examples in the prompt",
        "ideal reader",
    ],
    instructions: "Instructions (exact / edit similarity)",
    instructions_header: [
        "size",
        "instructed ops",
        "held-out ops",
        "held-out ops in prose",
    ],
    induction: [
        "Induction heads",
        "second-copy loss {second_from} → {second_to} (first copy {first_from} → {first_to}) in {steps} steps, {seconds} s",
        "induction head: layer {layer} head {head}, score {score}; previous-token head: layer 0 head {previous}, share {share}",
    ],
    scaling_series: ["sizes", "fit", "final points"],
    law: "{label}: {law}",
    scaling_charts: [
        "Validation loss against model size",
        "Validation loss against training compute",
        "non-embedding parameters N",
        "training FLOPs",
        "validation loss (nats/char)",
    ],
    icl_chart: [
        "In-context learning: a new code book in every prompt",
        "examples in the prompt",
        "codes right",
    ],
    cot_chart: [
        "Addition: answer alone or worked steps (trained on 1–{max_digits} digits)",
        "digits per operand",
        "exact answers",
    ],
    cot_legend: ["answer alone (dashed)", "worked steps"],
    mirage_tasks: [
        "{digits}-digit sums, worked",
        "instructed operations",
        "held-out operations",
    ],
    mirage_charts: [
        ("Scored all or nothing (exact match)", "exact match"),
        (
            "The same answers, partial credit (edit similarity)",
            "edit similarity",
        ),
    ],
    log_params: "log₁₀ non-embedding parameters",
    instructions_chart: [
        "Instructions for operations never instructed in training",
        "instructed in training",
        "held out: as instructions",
        "held out: in prose",
    ],
    exact_answers: "exact answers",
    induction_loss_chart: [
        "Attention-only model: loss on each copy of a repeated sequence",
        "loss (nats)",
        "first copy (nothing to copy)",
        "second copy (copy the first)",
    ],
    induction_scores_chart: [
        "Induction score of every head",
        "attention to the token after the earlier occurrence",
        "layer {layer} head {head}",
    ],
    induction_head_chart: [
        "Two heads on a sequence written twice",
        "layer 0 head {head}: previous token",
        "layer {layer} head {head}: induction",
    ],
    step: "training step",
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    title: "第 6 章：涌现能力",
    summary: "设备：{device} · 共用时 {seconds} 秒",
    sizes_header: [
        "规模",
        "层数 × 宽度",
        "参数量",
        "非嵌入参数 N",
        "训练浮点运算次数",
        "验证损失",
        "秒",
        "已缓存",
    ],
    yes_no: ["是", "否"],
    read_back: "{sizes} 个规模中有 {read_back} 个读取自先前的运行；当初训练它们共用时 {seconds} 秒。",
    laws: ["损失与 N：{law}", "损失与算力：{law}", "无法拟合"],
    addition: [
        "加法（完全匹配 / 逐字符准确率）",
        "规模",
        "格式",
        "{digits} 位数",
    ],
    formats: ["只写答案", "写出演算步骤"],
    example: "- {size} {format}：`{text}`",
    code: ["密码本：按提示中的示例数，答对的密码词", "理想的读者"],
    instructions: "指令（完全匹配 / 编辑相似度）",
    instructions_header: [
        "规模",
        "训练中给过指令的操作",
        "留出的操作",
        "留出的操作（文字描述）",
    ],
    induction: [
        "归纳头",
        "第二遍的损失 {second_from} → {second_to}（第一遍 {first_from} → {first_to}），共 {steps} 步，{seconds} 秒",
        "归纳头：第 {layer} 层第 {head} 个头，得分 {score}；前一 token 头：第 0 层第 {previous} 个头，占比 {share}",
    ],
    scaling_series: ["各规模", "拟合", "最终各点的拟合"],
    law: "{label}：{law}",
    scaling_charts: [
        "验证损失与模型规模",
        "验证损失与训练算力",
        "非嵌入参数量 N",
        "训练浮点运算次数",
        "验证损失（奈特/字符）",
    ],
    icl_chart: [
        "上下文学习：每个提示都有一本新的密码本",
        "提示中的示例数",
        "答对的密码",
    ],
    cot_chart: [
        "加法：只写答案还是写出演算步骤（训练时为 1–{max_digits} 位数）",
        "每个加数的位数",
        "完全答对的比例",
    ],
    cot_legend: ["只写答案（虚线）", "写出演算步骤"],
    mirage_tasks: [
        "{digits} 位数加法，写出步骤",
        "给过指令的操作",
        "留出的操作",
    ],
    mirage_charts: [
        ("全对才得分（完全匹配）", "完全匹配"),
        ("同样的回答，按部分得分（编辑相似度）", "编辑相似度"),
    ],
    log_params: "log₁₀ 非嵌入参数量",
    instructions_chart: [
        "对训练中从未给过指令的操作下指令",
        "训练中给过指令",
        "留出：以指令提问",
        "留出：以文字描述",
    ],
    exact_answers: "完全答对的比例",
    induction_loss_chart: [
        "只有注意力的模型：重复序列每一遍上的损失",
        "损失（奈特）",
        "第一遍（无从复制）",
        "第二遍（复制第一遍）",
    ],
    induction_scores_chart: [
        "每个头的归纳得分",
        "对先前出现处下一个 token 的注意力",
        "第 {layer} 层第 {head} 个头",
    ],
    induction_head_chart: [
        "写了两遍的序列上的两个头",
        "第 0 层第 {head} 个头：前一个 token",
        "第 {layer} 层第 {head} 个头：归纳",
    ],
    step: "训练步数",
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}

impl Words {
    /// A format as the report's tables name it.
    pub fn format(&self, format: Format) -> &'static str {
        match format {
            Format::Direct => self.formats[0],
            Format::Worked => self.formats[1],
        }
    }

    /// A format as the chain-of-thought chart's legend names it (whose line samples are all drawn solid).
    pub fn legend(&self, format: Format) -> &'static str {
        match format {
            Format::Direct => self.cot_legend[0],
            Format::Worked => self.cot_legend[1],
        }
    }
}
