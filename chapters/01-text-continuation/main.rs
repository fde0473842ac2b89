//! Chapter 1 — text continuation (文字接龙).
//!
//! ```text
//! cargo run --release --example ch01 [-- --config FILE] [--device cpu|cuda] [--print-default-config]
//!     [--lang en|zh]
//! ```
//! Trains the bigram baseline and a tiny GPT on the built-in world, then charts and samples them. Everything
//! lands in `runs/ch01/` (`runs/zh/ch01/` with `--lang zh`); the same experiment is `jielong chapter 1` and
//! the chapter's notebook.

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch01>()
}
