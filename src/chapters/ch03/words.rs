//! What chapter 3's charts and report say, in the run's language: one table of words per language. A
//! Chinese run (`--lang zh`) reads its report and charts in Chinese; the result keeps the runs' English
//! labels, which [`Words::run`] and [`Words::size`] name in the run's language.

use crate::chapters::fill;
use crate::data::world::{Language, Relation};

/// The words of chapter 3. `{…}` slots are filled in with [`crate::chapters::fill`].
pub struct Words {
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{chars}`, `{seconds}`.
    pub summary: &'static str,
    /// The tokenizers' section: title, the vocabularies' line (`{chars}`, `{bpe}`, `{per_token}`), the first
    /// merges (`{merges}`), and a sentence's line (`{chars}`, `{bpe}`, `{pieces}`, then `{text}`).
    pub tokenizers: [&'static str; 4],
    /// The runs' section title, and the alt texts of its charts: loss, positions, tokenizers.
    pub runs_section: [&'static str; 4],
    /// The runs table's header.
    pub runs_header: [&'static str; 6],
    /// What pretraining learned: title, the alt texts of the language and world-knowledge charts.
    pub learned: [&'static str; 3],
    /// The knowledge table's header.
    pub knowledge_header: [&'static str; 5],
    /// The final cloze line (`{accuracy}`, `{chance}`), and the alt text of its chart.
    pub cloze: [&'static str; 2],
    /// The hermit's section title.
    pub hermit: &'static str,
    /// The attention section: title, its sentence (`{sentence}`), the chart's alt text.
    pub attention: [&'static str; 3],
    /// The cost section: title, the alt texts of the attention-cost and KV-cache charts.
    pub cost: [&'static str; 3],
    /// The cost table's header.
    pub cost_header: [&'static str; 5],
    /// The KV-cache table's header, and its yes and no.
    pub kv_header: [&'static str; 4],
    /// Whether the cached and the uncached generation gave the same tokens.
    pub yes_no: [&'static str; 2],
    /// The size section's title.
    pub size: &'static str,
    /// The size table's header.
    pub size_header: [&'static str; 4],
    /// The utilization line (`{tokens}`, `{achieved}`, `{peak}`, `{source}`, `{mfu}`), and where the peak
    /// came from: measured, or the config.
    pub utilization: [&'static str; 3],
    /// The pretrained checkpoint's line; `{path}`.
    pub checkpoint: &'static str,
    /// The x axes: training step, training tokens.
    pub axes: [&'static str; 2],
    /// The attention chart's title, and a panel's (`{layer}`, `{head}`).
    pub attention_chart: [&'static str; 2],
    /// The loss chart: title, y axis, train, validation.
    pub loss_chart: [&'static str; 4],
    /// The language chart: title, y axis, its curve.
    pub language_chart: [&'static str; 3],
    /// The world-knowledge chart: title, y axis, facts answered right, chance.
    pub knowledge_chart: [&'static str; 4],
    /// The cloze chart: title, y axis, the pretrained model's bars.
    pub cloze_chart: [&'static str; 3],
    /// The comparisons: positions (title, y axis), then tokenizers (title, y axis).
    pub compare_charts: [(&'static str, &'static str); 2],
    /// The cost chart: title, x axis, y axis, the whole model, attention written out, fused attention.
    pub cost_chart: [&'static str; 6],
    /// The KV-cache chart: title, x axis, y axis, with the cache, without.
    pub kv_chart: [&'static str; 5],
    /// The relations, in [`Relation::ALL`] order.
    pub relations: [&'static str; 8],
    /// The runs' labels: the main run, learned positions, characters.
    pub runs: [&'static str; 3],
    /// The sizes' names: this run, the small preset, GPT-2 small.
    pub sizes: [&'static str; 3],
}

/// English, the course's default.
const ENGLISH: Words = Words {
    title: "Chapter 3 — pretraining",
    summary: "Device: {device} · training text: {chars} characters · wall time {seconds} s",
    tokenizers: [
        "Tokenizers",
        "Characters: {chars} tokens. Byte-level BPE: {bpe} tokens, {per_token} characters per token.",
        "First merges: {merges}",
        "- {text}: {chars} characters, {bpe} BPE tokens: {pieces}",
    ],
    runs_section: ["Runs", "loss", "positions", "tokenizers"],
    runs_header: [
        "run",
        "parameters",
        "val loss (nats/token)",
        "val loss (nats/char)",
        "tokens/s",
        "seconds",
    ],
    learned: ["What pretraining learned", "language", "world knowledge"],
    knowledge_header: [
        "step",
        "tokens",
        "val perplexity",
        "cloze accuracy",
        "greedy sample",
    ],
    cloze: [
        "Final cloze accuracy {accuracy} (chance {chance}).",
        "cloze by relation",
    ],
    hermit: "A well-read hermit",
    attention: ["Attention", "Sentence: {sentence}", "attention"],
    cost: ["Cost", "attention cost", "KV cache"],
    cost_header: [
        "context",
        "forward ms",
        "attention ms (written out)",
        "attention ms (fused)",
        "weights MiB",
    ],
    kv_header: ["tokens", "with cache tok/s", "without tok/s", "same tokens"],
    yes_no: ["true", "false"],
    size: "Size and utilization",
    size_header: ["model", "shape", "parameters", "FLOPs/token"],
    utilization: [
        "Training: {tokens} tokens/s = {achieved} model FLOP/s; peak {peak} FLOP/s ({source}); MFU {mfu}%.",
        "measured matrix product",
        "from the config",
    ],
    checkpoint: "Pretrained checkpoint: {path}",
    axes: ["training step", "training tokens"],
    attention_chart: ["Who attends to whom", "layer {layer}, head {head}"],
    loss_chart: [
        "Pretraining: next-token loss",
        "cross-entropy (nats/token)",
        "train",
        "validation",
    ],
    language_chart: [
        "Language: validation perplexity",
        "perplexity",
        "validation perplexity",
    ],
    knowledge_chart: [
        "World knowledge: cloze accuracy",
        "accuracy",
        "facts answered right",
        "chance",
    ],
    cloze_chart: [
        "Which facts the pretrained model knows",
        "cloze accuracy",
        "pretrained",
    ],
    compare_charts: [
        (
            "Learned positions vs rotary embeddings",
            "validation loss (nats/token)",
        ),
        (
            "Characters vs BPE at equal steps",
            "validation loss (nats/character)",
        ),
    ],
    cost_chart: [
        "Cost of a forward pass against context length",
        "context length (tokens)",
        "milliseconds",
        "whole model",
        "one attention, written out",
        "one attention, fused",
    ],
    kv_chart: [
        "Generation speed with and without the KV cache",
        "tokens generated",
        "tokens per second",
        "with KV cache",
        "re-reading the context",
    ],
    relations: [
        "birth_city",
        "home_city",
        "job",
        "pet_kind",
        "pet_name",
        "birth_year",
        "birth_month",
        "friend",
    ],
    runs: ["BPE · RoPE", "BPE · learned positions", "characters · RoPE"],
    sizes: ["this run", "small preset", "GPT-2 small"],
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    title: "第 3 章 — 预训练",
    summary: "设备：{device} · 训练文本：{chars} 个字符 · 用时 {seconds} 秒",
    tokenizers: [
        "分词器",
        "按字符：{chars} 个 token。字节级 BPE：{bpe} 个 token，平均每个 token {per_token} 个字符。",
        "最先学到的合并：{merges}",
        "- {text}：{chars} 个字符，{bpe} 个 BPE token：{pieces}",
    ],
    runs_section: ["各次运行", "损失", "位置编码", "分词器"],
    runs_header: [
        "运行",
        "参数量",
        "验证损失（奈特/token）",
        "验证损失（奈特/字符）",
        "token/秒",
        "秒",
    ],
    learned: ["预训练学到了什么", "语言知识", "世界知识"],
    knowledge_header: [
        "步数",
        "token 数",
        "验证困惑度",
        "完形填空准确率",
        "贪心解码的样本",
    ],
    cloze: [
        "最终的完形填空准确率 {accuracy}（随机水平 {chance}）。",
        "各关系的完形填空准确率",
    ],
    hermit: "饱读诗书的隐士",
    attention: ["注意力", "句子：{sentence}", "注意力"],
    cost: ["代价", "注意力的代价", "KV 缓存"],
    cost_header: [
        "上下文长度",
        "前向传播（毫秒）",
        "注意力（毫秒，逐步写出）",
        "注意力（毫秒，融合）",
        "注意力权重（MiB）",
    ],
    kv_header: [
        "token 数",
        "有缓存（token/秒）",
        "无缓存（token/秒）",
        "token 相同",
    ],
    yes_no: ["是", "否"],
    size: "规模与利用率",
    size_header: ["模型", "形状", "参数量", "每 token 浮点运算次数"],
    utilization: [
        "训练：每秒 {tokens} 个 token = 每秒 {achieved} 次模型浮点运算；峰值每秒 {peak} 次（{source}）；MFU {mfu}%。",
        "实测的矩阵乘法",
        "取自配置",
    ],
    checkpoint: "预训练检查点：{path}",
    axes: ["训练步数", "训练 token 数"],
    attention_chart: ["谁在注意谁", "第 {layer} 层，第 {head} 个头"],
    loss_chart: [
        "预训练：预测下一个 token 的损失",
        "交叉熵（奈特/token）",
        "训练",
        "验证",
    ],
    language_chart: ["语言：验证困惑度", "困惑度", "验证困惑度"],
    knowledge_chart: [
        "世界知识：完形填空准确率",
        "准确率",
        "答对的事实",
        "随机水平",
    ],
    cloze_chart: ["预训练模型知道哪些事实", "完形填空准确率", "预训练模型"],
    compare_charts: [
        ("可学习的位置编码与旋转位置编码", "验证损失（奈特/token）"),
        ("相同步数下的字符与 BPE", "验证损失（奈特/字符）"),
    ],
    cost_chart: [
        "前向传播的代价与上下文长度",
        "上下文长度（token）",
        "毫秒",
        "整个模型",
        "一次注意力，逐步写出",
        "一次注意力，融合实现",
    ],
    kv_chart: [
        "有无 KV 缓存时的生成速度",
        "生成的 token 数",
        "每秒 token 数",
        "使用 KV 缓存",
        "每次重读整个上下文",
    ],
    relations: [
        "出生城市",
        "居住城市",
        "职业",
        "宠物种类",
        "宠物名字",
        "出生年份",
        "出生月份",
        "朋友",
    ],
    runs: ["BPE · RoPE", "BPE · 可学习的位置编码", "字符 · RoPE"],
    sizes: ["本次运行", "small 预设", "GPT-2 small"],
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}

/// `name` in these words: the English name at some place of `english` becomes the word at the same place
/// of `names`; a name not found stays as it is.
fn renamed(name: &str, english: &[&'static str], names: &[&'static str]) -> String {
    (english.iter().position(|e| *e == name)).map_or_else(|| name.to_string(), |i| names[i].into())
}

impl Words {
    /// A pretraining run's label (`"BPE · RoPE"`, as the result keeps it) in these words.
    pub fn run(&self, label: &str) -> String {
        renamed(label, &ENGLISH.runs, &self.runs)
    }

    /// A size's name (`"this run"`, as the result keeps it) in these words.
    pub fn size(&self, name: &str) -> String {
        renamed(name, &ENGLISH.sizes, &self.sizes)
    }

    /// An attention panel's title (`"layer 2, head 1"`, as the result keeps it) in these words.
    pub fn panel(&self, title: &str) -> String {
        let numbers = title
            .strip_prefix("layer ")
            .and_then(|t| t.split_once(", head "));
        match numbers {
            Some((layer, head)) => fill(
                self.attention_chart[1],
                &[("layer", &layer), ("head", &head)],
            ),
            None => title.to_string(),
        }
    }

    /// A relation's name (`"birth_city"`, as [`Relation::name`] gives it) in these words.
    pub fn relation(&self, name: &str) -> String {
        let english = Relation::ALL.map(Relation::name);
        renamed(name, &english, &self.relations)
    }
}
