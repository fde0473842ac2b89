//! The world, the two groups of people (fine-tuned and held out) and their instruction sets.

use super::config::Ch04Config;
use crate::data::instruct::{self, Example};
use crate::data::world::World;
use anyhow::Result;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The world, the two groups of people and the instruction sets.
pub struct Ch04Data {
    /// The world the pretraining text was about.
    pub world: World,
    /// Fine-tuning examples (people `0..sft_people` and the addition problems).
    pub train: Vec<Example>,
    /// One question per fact of the held-out people: the validation set.
    pub held_out: Vec<Example>,
    /// Questions that measure accuracy on fine-tuned people.
    pub eval_sft_people: Vec<Example>,
    /// Questions that measure accuracy on held-out people.
    pub eval_held_out: Vec<Example>,
    /// Fresh addition problems.
    pub eval_arithmetic: Vec<Example>,
}

// ANCHOR: prepare_data
/// Split the world's people into fine-tuned and held out, and render their instruction sets.
pub fn prepare_data(cfg: &Ch04Config) -> Result<Ch04Data> {
    let world = World::generate(&cfg.pretrain.world)?;
    let sft: Vec<usize> = (0..cfg.sft_people).collect();
    let held: Vec<usize> = (cfg.sft_people..world.people.len()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0xadd);
    Ok(Ch04Data {
        train: instruct::instructions(&world, &sft, &cfg.instruct),
        held_out: instruct::fact_questions(&world, &held),
        eval_sft_people: instruct::fact_questions(&world, &sft[..cfg.eval_people]),
        eval_held_out: instruct::fact_questions(&world, &held[..cfg.eval_people]),
        eval_arithmetic: (0..cfg.eval_arithmetic)
            .map(|_| instruct::arithmetic_in(world.language(), &mut rng))
            .collect(),
        world,
    })
}
// ANCHOR_END: prepare_data
