//! Chapter 2 — optimization and overfitting: why training fails, and what helps.
//!
//! ```text
//! cargo run --release --example ch02 [-- --config FILE] [--device cpu|cuda] [--print-default-config]
//!     [--lang en|zh]
//! ```
//! A learning-rate sweep, SGD against AdamW, warm-up and cosine decay; then a model that overfits a small
//! set, early stopping, and four remedies. Everything lands in `runs/ch02/` (`runs/zh/ch02/` with `--lang
//! zh`).

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch02>()
}
