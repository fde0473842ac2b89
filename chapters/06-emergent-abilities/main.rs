//! Chapter 6 — emergent abilities: a ladder of model sizes on one skills text, and what each size can do.
//!
//! ```text
//! cargo run --release --example ch06 [-- --quick | --preset full] [--config FILE] [--device cpu|cuda]
//!     [--lang en|zh]
//! ```
//! Trains every size of the ladder on the same generated text (addition with and without worked steps, a
//! letter code new in every line, string operations in prose and as instructions), each cached in
//! `runs/ch06/<size>/` so a second run trains only what is missing; fits loss against parameters and compute;
//! measures chain of thought, in-context learning, held-out instructions and the mirage question on every
//! size; trains a two-layer attention-only model and finds its induction head; and trains one size on more and
//! more fresh text, and a larger one at the same compute (`runs/ch06/data/`). `--quick` (the default config)
//! runs on a laptop CPU; `--preset full` is for a GPU.

fn main() -> std::process::ExitCode {
    jielong::chapters::program::<jielong::chapters::Ch06>()
}
