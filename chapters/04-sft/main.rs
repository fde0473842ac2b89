//! Chapter 4 — supervised fine-tuning: from a well-read hermit to an assistant that answers.
//!
//! ```text
//! cargo run --release --example ch04 [-- --config FILE] [--device cpu|cuda] [--lang en|zh]
//! ```
//! Fine-tunes chapter 3's pretrained model (pretraining it first if `runs/ch03/` has none) on questions about
//! half of the world's people, with the loss on the answers only; compares every-token loss, a random start
//! and LoRA; measures answer accuracy on the held-out half and how it depends on pretraining diversity.
//! Everything lands in `runs/ch04/` (`runs/zh/ch04/` with `--lang zh`); `runs/ch04/sft/model.safetensors` is
//! where chapter 5 starts, and `jielong chat --checkpoint runs/ch04/sft/model.safetensors` talks to it.

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch04>()
}
