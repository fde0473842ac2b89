//! Exercise 5.1: the Bradley–Terry loss (Bradley & Terry, 1952; Ouyang et al., 2022).
//!
//! Goal: a reward model learns from pairs "the labeller preferred this answer to that one". It gives each
//! answer a score `r`; the probability that the chosen answer beats the rejected one is modelled as
//! `σ(r_chosen − r_rejected)`, and the loss is the negative log of it. Once it passes, the checks train a reward
//! head on a GPT's hidden states with your loss and get the library's loss curve.
//! Formula: `L = −mean log σ(r_c − r_r)` over the pairs, with `σ(x) = 1 / (1 + e^(−x))`. Only the difference
//! of the two scores matters. The result must be a tensor that carries gradients (it trains the model).
//! Read: "The reward model" (book/src/ch05-reward-model.md).
//! Check: `jielong exercises check 5.1` (add `--hint` for a hint).
//!
//! 练习 5.1：Bradley–Terry 损失（Bradley 与 Terry，1952；Ouyang 等，2022）。
//! 目标：奖励模型从“标注者更喜欢这个回答而不是那个”这样的成对比较中学习。它给每个回答打分 `r`；被选中的回答
//! 胜过被拒绝回答的概率建模为 `σ(r_chosen − r_rejected)`，损失就是它的负对数。通过之后，检查程序会用你的损失
//! 在 GPT 的隐藏状态上训练一个奖励头，并得到与库相同的损失曲线。
//! 公式：`L = −mean log σ(r_c − r_r)`，对所有成对样本求平均，`σ(x) = 1 / (1 + e^(−x))`。只有两个分数的差有
//! 意义。结果必须是带梯度的张量（它要用来训练模型）。
//! 阅读：《奖励模型》（book/src/ch05-reward-model.md）。
//! 检查：`jielong exercises check 5.1`（加 `--hint` 可看提示）。

use tch::Tensor;

/// `−mean log σ(chosen − rejected)` of the scores `chosen: [N]` and `rejected: [N]`; a scalar tensor.
pub fn bradley_terry_loss(chosen: &Tensor, rejected: &Tensor) -> Tensor {
    let _ = (chosen, rejected);
    todo!("exercise 5.1")
}
