//! Chapter 5 — learning from feedback (RLHF): preferences, a reward model, PPO, GRPO and DPO.
//!
//! ```text
//! cargo run --release --example ch05 [-- --config FILE] [--device cpu|cuda] [--lang en|zh]
//! ```
//! Starts from chapter 4's fine-tuned model (making it, and chapter 3's pretrained model, if `runs/` has
//! none); samples answers, lets the labeller's rule rank them, trains a reward model on the pairs, optimizes
//! the policy with PPO (with and without the KL penalty) and GRPO, trains DPO on the same pairs, and scores
//! every model on held-out prompts. Everything lands in `runs/ch05/` (`runs/zh/ch05/` with `--lang zh`); the
//! policies are saved as `runs/ch05/{ppo,ppo-no-kl,grpo,dpo}/model.safetensors`, so `jielong chat
//! --checkpoint runs/ch05/dpo/model.safetensors` talks to one.

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch05>()
}
