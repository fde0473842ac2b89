//! Chapter 3 — pretraining: the Transformer, self-supervised learning, language and world knowledge.
//!
//! ```text
//! cargo run --release --example ch03 [-- --preset tiny|small | --config FILE] [--device cpu|cuda]
//!     [--lang en|zh]
//! ```
//! Learns a BPE vocabulary, pretrains a GPT on the world's text while measuring perplexity and fact-cloze
//! accuracy, compares learned positions with RoPE and characters with BPE, draws attention, and measures the
//! cost of attention and the KV cache. Everything lands in `runs/ch03/` (`runs/zh/ch03/` with `--lang zh`);
//! the pretrained checkpoint `runs/ch03/pretrained/model.safetensors` is where chapters 4 and 5 start.

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch03>()
}
