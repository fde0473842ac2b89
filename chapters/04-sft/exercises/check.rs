//! Checks for chapter 4's exercises. `jielong exercises check 4.2` (or `cargo test --features student --test
//! ch04_exercises -- ex4_2`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(assistant_mask, lora_forward, lora_merge, masked_loss);

#[path = "../../../tests/common/mod.rs"]
mod common;

use answer::assistant_mask::assistant_mask;
use answer::lora_forward::lora_forward;
use answer::lora_merge::merge;
use answer::masked_loss::masked_loss;
use jielong::data::instruct::{InstructConfig, instructions};
use jielong::data::world::World;
use jielong::data::{Batches, IGNORE, Part};
use jielong::exercises::expect;
use jielong::model::{GptConfig, LoraConfig, ModelConfig, Position};
use jielong::sft::{self, Message, Role, SftData};
use jielong::{Model, Tokenizer};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tch::{Kind, Tensor};

/// The tiny world's BPE tokenizer (with the chat template's special tokens).
fn bpe() -> Tokenizer {
    Tokenizer::bpe(&common::tiny_corpus(), 300).expect("BPE trains on the tiny world")
}

/// A two-block GPT over `vocab_size` tokens that reads 128 of them.
fn gpt(vocab_size: usize) -> ModelConfig {
    ModelConfig::Gpt(GptConfig {
        vocab_size,
        block_size: 128,
        n_layer: 2,
        n_head: 2,
        n_embd: 16,
        dropout: 0.0,
        tie_weights: true,
        position: Position::Rope,
        attention_only: false,
    })
}

fn tensor(values: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_slice(values).to_kind(Kind::Float).view(shape)
}

#[test]
fn ex4_1_a_two_turn_chat_by_hand() {
    let (user, assistant, end) = (1, 2, 3);
    // <|user|> 5 6 <|end|> <|assistant|> 7 8 <|end|> <|user|> 9 <|end|> <|assistant|> 10 <|end|>
    let ids = [
        user, 5, 6, end, assistant, 7, 8, end, user, 9, end, assistant, 10, end,
    ];
    let marked = [
        false, false, false, false, false, true, true, true, false, false, false, false, true, true,
    ];
    expect::equal(
        "assistant_mask of <|user|> 5 6 <|end|> <|assistant|> 7 8 <|end|> <|user|> 9 <|end|> <|assistant|> 10 <|end|>",
        marked.to_vec(),
        assistant_mask(&ids, assistant, end),
    );
}

#[test]
fn ex4_1_a_conversation_without_an_answer_is_not_learned() {
    expect::equal(
        "assistant_mask of <|user|> 5 6 <|end|> (no assistant turn)",
        vec![false; 4],
        assistant_mask(&[1, 5, 6, 3], 2, 3),
    );
}

#[test]
fn ex4_1_matches_sft_encode_on_a_real_chat() {
    let tokenizer = bpe();
    let messages = [
        Message::new(Role::System, "Answer in one sentence."),
        Message::new(Role::User, "Where does Bide Kurur live?"),
        Message::new(Role::Assistant, "Bide Kurur lives in Golter."),
        Message::new(Role::User, "And what is Bide Kurur's job?"),
        Message::new(Role::Assistant, "Bide Kurur is a baker."),
    ];
    let encoded =
        sft::encode(&tokenizer, &messages, true).expect("the BPE has the template's tokens");
    let id = |t: &str| tokenizer.special_id(t).expect("a special token");
    expect::equal(
        "the mask of a system message and two question–answer turns, tokenized by the tiny world's BPE, against sft::encode",
        encoded.mask.clone(),
        assistant_mask(&encoded.ids, id(Role::Assistant.token()), id("<|end|>")),
    );
}

#[test]
fn ex4_2_uniform_logits_cost_ln_v() {
    let logits = Tensor::zeros([1, 3, 4], (Kind::Float, tch::Device::Cpu));
    let targets = Tensor::from_slice(&[0i64, 3, IGNORE]).view([1, 3]);
    let mask = Tensor::from_slice(&[true, true, false]).view([1, 3]);
    expect::close(
        "masked_loss of zero logits over V = 4 (every token ¼), two kept targets and a padded one (−100)",
        4f64.ln(),
        expect::scalar(
            "masked_loss returns one number",
            &masked_loss(&logits, &targets, &mask),
        ),
        1e-6,
    );
}

#[test]
fn ex4_2_masked_positions_do_not_count() {
    // position 0 predicts token 0 with p = ½ (logits ln 1, ln 1 over V = 2); position 1 is confidently wrong
    let logits = tensor(&[0.0, 0.0, -10.0, 10.0], &[1, 2, 2]);
    let targets = Tensor::from_slice(&[0i64, 0]).view([1, 2]);
    let only_first = Tensor::from_slice(&[true, false]).view([1, 2]);
    expect::close(
        "masked_loss when the second (confidently wrong) position is masked out: ln 2 from the first alone",
        2f64.ln(),
        expect::scalar(
            "masked_loss returns one number",
            &masked_loss(&logits, &targets, &only_first),
        ),
        1e-5,
    );
}

#[test]
fn ex4_2_equals_the_fine_tuning_loss_on_a_real_batch() {
    let _torch = common::torch_lock();
    let tokenizer = bpe();
    let world = World::generate(&common::tiny_world()).expect("the tiny world");
    let examples = instructions(&world, &[0, 1, 2, 3, 4, 5], &InstructConfig::default());
    let data =
        SftData::new(&tokenizer, &examples, &examples[..2], true, 127).expect("the examples fit");
    let model = common::seeded_model(&gpt(tokenizer.vocab_size()), 3);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let (inputs, targets) = data.batch(Part::Train, 4, 127, &mut rng, tch::Device::Cpu);
    let library = model.loss(&inputs, &targets, false).double_value(&[]);
    let logits = model.forward(&inputs, false);
    let yours = masked_loss(&logits, &targets, &targets.ne(IGNORE));
    expect::close(
        "the loss of an untrained GPT on a batch of 4 padded fine-tuning conversations, against Model::loss with IGNORE targets",
        library,
        expect::scalar("masked_loss returns one number", &yours),
        1e-5,
    );
}

#[test]
fn ex4_3_a_one_number_layer_by_hand() {
    // W = [[1, 2]], A = [[1, 1]], B = [[3]], scale ½, x = [1, 1]: 3 + ½ · 3 · 2 = 6
    let x = tensor(&[1.0, 1.0], &[1, 2]);
    let y = lora_forward(
        &x,
        &tensor(&[1.0, 2.0], &[1, 2]),
        &tensor(&[1.0, 1.0], &[1, 2]),
        &tensor(&[3.0], &[1, 1]),
        0.5,
    );
    expect::close_all(
        "lora_forward(x = [1, 1], W = [[1, 2]], A = [[1, 1]], B = [[3]], scale ½): x·Wᵀ = 3, plus ½ · (x·Aᵀ = 2) · 3",
        &[6.0],
        &expect::values(&y),
        1e-6,
    );
}

#[test]
fn ex4_3_a_zero_b_is_the_pretrained_layer() {
    let _torch = common::torch_lock();
    tch::manual_seed(8);
    let x = Tensor::randn([2, 5, 6], (Kind::Float, tch::Device::Cpu));
    let w = Tensor::randn([4, 6], (Kind::Float, tch::Device::Cpu));
    let a = Tensor::randn([2, 6], (Kind::Float, tch::Device::Cpu));
    let b = Tensor::randn([4, 2], (Kind::Float, tch::Device::Cpu));
    expect::close_tensor(
        "lora_forward with B = 0 on random x [2, 5, 6], W [4, 6]: exactly the frozen layer x·Wᵀ",
        &x.matmul(&w.tr()),
        &lora_forward(&x, &w, &a, &b.zeros_like(), 2.0),
        1e-6,
    );
    expect::close_tensor(
        "lora_forward with a random B, rank 2, scale 2: x·Wᵀ + 2·x·Aᵀ·Bᵀ",
        &(x.matmul(&w.tr()) + x.matmul(&a.tr()).matmul(&b.tr()) * 2.0),
        &lora_forward(&x, &w, &a, &b, 2.0),
        1e-5,
    );
}

#[test]
fn ex4_4_a_one_number_layer_by_hand() {
    let merged = merge(
        &tensor(&[1.0, 2.0], &[1, 2]),
        &tensor(&[1.0, 1.0], &[1, 2]),
        &tensor(&[3.0], &[1, 1]),
        0.5,
    );
    expect::close_all(
        "merge(W = [[1, 2]], A = [[1, 1]], B = [[3]], scale ½) = W + ½ · B·A = [[2.5, 3.5]]",
        &[2.5, 3.5],
        &expect::values(&merged),
        1e-6,
    );
}

#[test]
fn ex4_4_your_merge_turns_an_adapted_gpt_into_a_plain_one() {
    let _torch = common::torch_lock();
    let config = gpt(40);
    let lora = LoraConfig {
        rank: 2,
        alpha: 4.0,
    };
    let mut adapted = common::seeded_model(&config, 1);
    adapted.add_lora(&lora).expect("a GPT takes adapters");
    tch::manual_seed(9);
    tch::no_grad(|| {
        for (name, b) in adapted
            .trainable_params()
            .iter()
            .filter(|(n, _)| n.ends_with(".b"))
        {
            let _ = (name, b.shallow_clone().copy_(&(b.randn_like() * 0.2))); // as if fine-tuned
        }
    });
    let ids = Tensor::from_slice(&[1i64, 5, 9, 2, 33, 7, 0, 12]).view([1, 8]);
    let expected = adapted.forward(&ids, false);

    let plain: Model = common::seeded_model(&config, 1); // the same pretrained weights, no adapters
    let adapters: HashMap<String, Tensor> = adapted.trainable_params().into_iter().collect();
    let weights = plain.vs.variables();
    let scale = lora.alpha / lora.rank as f64;
    for layer in 0..2 {
        for (matrix, adapter) in [("attn.qkv", "qkv"), ("attn.proj", "proj")] {
            let find = |map: &HashMap<String, Tensor>, name: String| {
                map.get(&name)
                    .unwrap_or_else(|| {
                        panic!("the model has no parameter {name}: the check needs updating")
                    })
                    .shallow_clone()
            };
            let w = find(&weights, format!("blocks.{layer}.{matrix}.weight"));
            let a = find(&adapters, format!("lora.blocks.{layer}.{adapter}.a"));
            let b = find(&adapters, format!("lora.blocks.{layer}.{adapter}.b"));
            let merged = tch::no_grad(|| merge(&w, &a, &b, scale));
            tch::no_grad(|| w.shallow_clone().copy_(&merged));
        }
    }
    expect::close_tensor(
        "the logits of a 2-block GPT whose rank-2 adapters you merged, against the adapted model's",
        &expected,
        &plain.forward(&ids, false),
        1e-5,
    );
    adapted.merge_lora();
    let library = adapted.vs.variables();
    expect::close_tensor(
        "block 0's merged query–key–value matrix, against Model::merge_lora's",
        &library["blocks.0.attn.qkv.weight"],
        &weights["blocks.0.attn.qkv.weight"],
        1e-6,
    );
}
