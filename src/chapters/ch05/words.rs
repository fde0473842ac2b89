//! What chapter 5's charts and report say, in the run's language: one table of words per language. The
//! models keep their method's name (PPO, GRPO, DPO) in both; the others are named in the run's language.
//! Slots are filled in with [`crate::chapters::fill`].

use crate::chapters::ModelNames;
use crate::data::world::Language;

/// The words of chapter 5.
pub struct Words {
    /// How the report and charts name a model whose label (in `result.json`) is English: `(label, name)`.
    pub models: ModelNames,
    /// The report's title.
    pub title: &'static str,
    /// The report's first line; `{device}`, `{train}`, `{held_out}`, `{train_pairs}`, `{held_out_pairs}`,
    /// `{seconds}`.
    pub summary: &'static str,
    /// The stages' line (`{stages}`), and the unit of a stage's seconds.
    pub stages: [&'static str; 2],
    /// The share of sampled answers the rule calls good; `{good}`.
    pub sampled_good: &'static str,
    /// The example pairs' section: title, then what goes before the chosen answer and the rejected one.
    pub pairs: [&'static str; 3],
    /// The reward model's section title, and its result line (`{after}`, `{before}`).
    pub reward: [&'static str; 2],
    /// The section titles: policy optimization, held-out prompts, before and after.
    pub sections: [&'static str; 3],
    /// The held-out table's header.
    pub scores_header: [&'static str; 8],
    /// The reward-model chart: title, x axis, y axis, training batch, held-out pairs, chance.
    pub reward_chart: [&'static str; 6],
    /// The per-round charts: (title, y axis) of the reward, the rule, KL and length.
    pub policy_charts: [(&'static str, &'static str); 4],
    /// The x axis of every per-round chart.
    pub round: &'static str,
    /// The over-optimization chart: title (`{label}`), y axis, the reward model, the rule.
    pub overoptimization_chart: [&'static str; 4],
    /// The DPO chart: title, x axis, y axis, loss, held-out accuracy, the reward model's.
    pub dpo_chart: [&'static str; 6],
    /// The held-out chart: title, y axis, facts right, "I don't know" about nobody, forbidden declined.
    pub scores_chart: [&'static str; 5],
}

/// English, the course's default.
const ENGLISH: Words = Words {
    models: ModelNames(&[]),
    title: "Chapter 5 — learning from feedback",
    summary: "Device: {device} · {train} training and {held_out} held-out prompts · {train_pairs} training and \
              {held_out_pairs} held-out pairs · wall time {seconds} s",
    stages: ["Stages: {stages}", "s"],
    sampled_good: "The fine-tuned model's sampled answers the rule calls good: {good}",
    pairs: ["What the labeller preferred", "chosen: ", "rejected: "],
    reward: [
        "Reward model",
        "Held-out pairs ranked right: {after} (before training {before}).",
    ],
    sections: [
        "Policy optimization",
        "Held-out prompts",
        "Before and after",
    ],
    scores_header: [
        "model",
        "rule score",
        "reward model",
        "facts right",
        "facts refused",
        "\"I don't know\" about nobody",
        "forbidden declined",
        "words",
    ],
    reward_chart: [
        "Reward model: pairs ranked right",
        "training step",
        "fraction of pairs",
        "training batch",
        "held-out pairs",
        "chance",
    ],
    policy_charts: [
        ("Reward-model score of the sampled answers", "reward"),
        ("Labeller's rule score of the sampled answers", "rule score"),
        ("KL to the fine-tuned model", "nats per answer"),
        ("Answer length", "tokens per answer"),
    ],
    round: "round of sampling and updating",
    overoptimization_chart: [
        "{label}: the proxy against the truth",
        "mean score of the sampled answers",
        "reward model (optimized)",
        "labeller's rule (wanted)",
    ],
    dpo_chart: [
        "DPO: loss and held-out pairs ranked right",
        "training step",
        "loss (nats) · fraction of pairs",
        "DPO loss",
        "held-out pairs ranked right (implicit reward)",
        "reward model, held-out",
    ],
    scores_chart: [
        "Held-out prompts: answers the rule calls good",
        "fraction of answers",
        "facts right",
        "\"I don't know\" about nobody",
        "forbidden requests declined",
    ],
};

/// Simplified Chinese, for a run with `--lang zh`.
const CHINESE: Words = Words {
    models: ModelNames(&[
        ("chapter 4", "第 4 章的模型"),
        ("SFT + demos", "SFT + 示范"),
        ("PPO without KL", "无 KL 的 PPO"),
    ]),
    title: "第 5 章 — 从反馈中学习",
    summary: "设备：{device} · {train} 个训练提示、{held_out} 个留出提示 · {train_pairs} 个训练偏好对、\
              {held_out_pairs} 个留出偏好对 · 用时 {seconds} 秒",
    stages: ["各阶段：{stages}", "秒"],
    sampled_good: "微调后模型的采样回答中，规则判为好的比例：{good}",
    pairs: ["标注者更喜欢哪个回答", "选中：", "落选："],
    reward: [
        "奖励模型",
        "留出偏好对排序正确的比例：{after}（训练前 {before}）。",
    ],
    sections: ["策略优化", "留出的提示", "训练前后"],
    scores_header: [
        "模型",
        "规则得分",
        "奖励模型",
        "事实答对",
        "事实拒答",
        "对不存在的人说“我不知道”",
        "拒绝有害请求",
        "字数",
    ],
    reward_chart: [
        "奖励模型：偏好对排序正确的比例",
        "训练步数",
        "偏好对的比例",
        "训练批次",
        "留出偏好对",
        "随机水平",
    ],
    policy_charts: [
        ("采样回答的奖励模型得分", "奖励"),
        ("采样回答的标注规则得分", "规则得分"),
        ("与微调模型之间的 KL", "每个回答的奈特数"),
        ("回答长度", "每个回答的 token 数"),
    ],
    round: "采样与更新的轮数",
    overoptimization_chart: [
        "{label}：代理目标与真实目标",
        "采样回答的平均得分",
        "奖励模型（被优化的）",
        "标注规则（想要的）",
    ],
    dpo_chart: [
        "DPO：损失与留出偏好对排序正确的比例",
        "训练步数",
        "损失（奈特）· 偏好对的比例",
        "DPO 损失",
        "留出偏好对排序正确（隐式奖励）",
        "奖励模型，留出",
    ],
    scores_chart: [
        "留出的提示：规则判为好的回答",
        "回答的比例",
        "事实答对",
        "对不存在的人说“我不知道”",
        "拒绝有害请求",
    ],
};

/// The words of `language`.
pub fn words(language: Language) -> &'static Words {
    language.either(&ENGLISH, &CHINESE)
}
