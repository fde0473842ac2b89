//! # jielong — 文字接龙, the word-chain game that large language models play
//!
//! Given the text so far, say the next token. This crate builds a language model that plays that game,
//! chapter by chapter: the library is shared by every chapter program, notebook, test and book listing.
//!
//! | module | idea |
//! | --- | --- |
//! | [`device`] | where tensors live (CPU or CUDA), seeding, threads |
//! | [`doctor`] | what this machine gives the course: libtorch, CUDA, the CPU's bf16, the tools |
//! | [`tokenizer`] | text ↔ token ids |
//! | [`data`] | corpora (the built-in world, files, Tang poems), splits, batches |
//! | [`model`] | the bigram baseline and the GPT |
//! | [`train`] | the training loop: evaluation, metrics, checkpoints, resume, divergence, early stopping |
//! | [`optim`] | the optimizers: AdamW and SGD with momentum (part of [`train`]) |
//! | [`generate`] | the autoregressive loop and its sampling rules |
//! | [`eval`] | what a model learned: perplexity, cloze accuracy on the world's facts |
//! | [`play`] | the word-chain game one move at a time: the playground's bars and draws |
//! | [`plot`] | loss curves and probability charts (SVG, inline in notebooks) |
//! | [`sft`] | supervised fine-tuning: the chat template, the masked loss, answers, chat |
//! | [`rl`] | learning from feedback: Bradley–Terry, KL, GAE, PPO, GRPO and DPO losses (chapter 5) |
//! | [`run`] | a run directory: config, metrics, plots, report |
//! | [`serve`] | `jielong serve`: the classroom playground, a local web page over the library |
//! | [`markdown`] | the reports' Markdown tables |
//! | [`checkpoint`] | safetensors checkpoints written atomically |
//! | [`chapters`] | each chapter's experiment: a serde config in, a serde result out |
//! | [`exercises`] | the chapters' exercises, their checks, and `jielong exercises` |

pub mod chapters;
pub mod checkpoint;
pub mod data;
pub mod device;
pub mod doctor;
pub mod eval;
pub mod exercises;
pub mod generate;
pub mod interrupt;
pub mod libtorch_ops;
pub mod markdown;
pub mod memory;
pub mod model;
pub mod out_of_memory;
pub mod play;
pub mod plot;
pub mod progress;
pub mod reward;
pub mod rl;
pub mod run;
pub mod serve;
pub mod sft;
pub mod sweep;
pub mod tokenizer;
pub mod train;
/// The optimizers, part of the trainer ([`train::optim`]); kept at this path for programs that name it.
pub use train::optim;

pub use device::DeviceChoice;
pub use model::{Model, ModelConfig};
pub use tokenizer::Tokenizer;
