//! Chapter 3: attention written out equals the fused kernel, RoPE, the KV cache, BPE, the cloze test,
//! gradient accumulation, mixed precision, sizes and FLOPs, resume, and the chapter's pipeline.

mod common;

use common::{TempDir, quiet, seeded_model, torch_lock};
use jielong::Tokenizer;
use jielong::chapters::ch03::{self, Ch03Config};
use jielong::checkpoint;
use jielong::data::Split;
use jielong::data::world::{World, WorldConfig};
use jielong::eval;
use jielong::generate::{self, SamplingConfig};
use jielong::model::{self, GptConfig, Model, ModelConfig, Position, Precision};
use jielong::train::{self, Schedule, TrainConfig, TrainOptions};
use tch::{Device, Kind, Tensor};

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

fn gpt(vocab_size: usize, position: Position) -> ModelConfig {
    ModelConfig::Gpt(GptConfig {
        vocab_size,
        block_size: 24,
        n_layer: 2,
        n_head: 4,
        n_embd: 32,
        dropout: 0.0,
        tie_weights: true,
        position,
        attention_only: false,
    })
}

fn ids(n: usize, vocab: usize) -> Vec<i64> {
    (0..n as i64).map(|i| (i * 7 + 3) % vocab as i64).collect()
}

fn row_logits(model: &Model, ids: &[i64]) -> Tensor {
    tch::no_grad(|| model.forward(&Tensor::from_slice(ids).unsqueeze(0), false)).get(0)
}

// ---------------------------------------------------------------- attention

#[test]
fn written_out_attention_equals_the_fused_kernel() {
    let _torch = torch_lock();
    tch::manual_seed(0);
    let q = Tensor::randn([2, 4, 10, 8], (Kind::Float, Device::Cpu));
    let k = Tensor::randn([2, 4, 10, 8], (Kind::Float, Device::Cpu));
    let v = Tensor::randn([2, 4, 10, 8], (Kind::Float, Device::Cpu));
    let (manual, weights) = model::causal_attention_manual(&q, &k, &v);
    let fused = model::causal_attention_fused(&q, &k, &v, 0.0);
    assert!(
        max_abs_diff(&manual, &fused) < 1e-5,
        "{}",
        max_abs_diff(&manual, &fused)
    );
    // every row of weights is a distribution over the positions up to its own
    let sums = weights.sum_dim_intlist(-1, false, Kind::Float);
    assert!(max_abs_diff(&sums, &Tensor::ones_like(&sums)) < 1e-5);
    let above_diagonal = weights
        .get(0)
        .get(0)
        .triu(1)
        .abs()
        .sum(Kind::Float)
        .double_value(&[]);
    assert_eq!(above_diagonal, 0.0, "a position attended to a later one");
}

#[test]
fn attention_of_new_queries_over_cached_keys_matches_both_ways() {
    // 3 new queries after 7 cached positions: query i sits at position 7 + i
    let _torch = torch_lock();
    tch::manual_seed(1);
    let q = Tensor::randn([1, 2, 3, 8], (Kind::Float, Device::Cpu));
    let k = Tensor::randn([1, 2, 10, 8], (Kind::Float, Device::Cpu));
    let v = Tensor::randn([1, 2, 10, 8], (Kind::Float, Device::Cpu));
    let (manual, weights) = model::causal_attention_manual(&q, &k, &v);
    let fused = model::causal_attention_fused(&q, &k, &v, 0.0);
    assert!(max_abs_diff(&manual, &fused) < 1e-5);
    let first_query = weights.get(0).get(0).get(0);
    assert_eq!(
        first_query
            .narrow(0, 8, 2)
            .abs()
            .sum(Kind::Float)
            .double_value(&[]),
        0.0
    );
    assert!(first_query.narrow(0, 0, 8).min().double_value(&[]) > 0.0);
}

#[test]
fn the_model_with_written_out_attention_gives_the_fused_logits() {
    let _torch = torch_lock();
    for position in [Position::Learned, Position::Rope] {
        let model = seeded_model(&gpt(29, position), 2);
        let x = Tensor::from_slice(&ids(20, 29)).unsqueeze(0);
        let (logits, maps) = model.forward_with_attention_maps(&x);
        let fused = tch::no_grad(|| model.forward(&x, false));
        assert!(
            max_abs_diff(&logits, &fused) < 1e-5,
            "{position:?}: {}",
            max_abs_diff(&logits, &fused)
        );
        assert_eq!(maps.len(), 2);
        assert_eq!(maps[0].size(), vec![1, 4, 20, 20]);
        let sums = maps[1].sum_dim_intlist(-1, false, Kind::Float);
        assert!(max_abs_diff(&sums, &Tensor::ones_like(&sums)) < 1e-5);
    }
}

// ---------------------------------------------------------------- RoPE

#[test]
fn rope_scores_depend_only_on_relative_position() {
    let _torch = torch_lock();
    tch::manual_seed(3);
    let q = Tensor::randn([1, 1, 1, 16], (Kind::Float, Device::Cpu));
    let k = Tensor::randn([1, 1, 1, 16], (Kind::Float, Device::Cpu));
    let score = |p: i64, s: i64| {
        let q = model::apply_rope(&q, p);
        let k = model::apply_rope(&k, s);
        (q * k).sum(Kind::Float).double_value(&[])
    };
    for shift in [1, 5, 40] {
        assert!((score(7, 3) - score(7 + shift, 3 + shift)).abs() < 1e-4);
    }
    assert!(
        (score(7, 3) - score(7, 6)).abs() > 1e-3,
        "RoPE ignored the distance"
    );
    // a rotation keeps every vector's length
    let rotated = model::apply_rope(&q, 11);
    assert!((rotated.norm().double_value(&[]) - q.norm().double_value(&[])).abs() < 1e-4);
}

#[test]
fn rope_model_is_causal_later_tokens_never_change_earlier_logits() {
    let _torch = torch_lock();
    let model = seeded_model(&gpt(29, Position::Rope), 4);
    let a = ids(20, 29);
    let mut b = a.clone();
    for id in &mut b[12..] {
        *id = (*id + 5) % 29; // change the last 8 tokens
    }
    let (la, lb) = (row_logits(&model, &a), row_logits(&model, &b));
    assert_eq!(
        max_abs_diff(&la.narrow(0, 0, 12), &lb.narrow(0, 0, 12)),
        0.0
    );
    assert!(max_abs_diff(&la.narrow(0, 12, 8), &lb.narrow(0, 12, 8)) > 1e-4);
}

#[test]
fn rope_models_have_no_position_table_and_count_parameters_by_formula() {
    let _torch = torch_lock();
    for (position, tie_weights) in [
        (Position::Learned, true),
        (Position::Rope, true),
        (Position::Learned, false),
        (Position::Rope, false),
    ] {
        let config = GptConfig {
            vocab_size: 31,
            block_size: 24,
            n_layer: 3,
            n_head: 2,
            n_embd: 16,
            dropout: 0.0,
            tie_weights,
            position,
            attention_only: false,
        };
        let model = seeded_model(&ModelConfig::Gpt(config.clone()), 0);
        assert_eq!(model.num_params() as usize, config.param_count());
        let has_table = model.vs.variables().contains_key("pos_emb.weight");
        assert_eq!(has_table, position == Position::Learned);
    }
}

#[test]
fn rope_needs_an_even_head_width() {
    let bad = ModelConfig::Gpt(GptConfig {
        vocab_size: 10,
        n_embd: 12,
        n_head: 4,
        position: Position::Rope,
        ..GptConfig::default()
    });
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("even"), "{err}");
}

#[test]
fn flops_per_token_follow_the_formula() {
    let c = GptConfig {
        vocab_size: 100,
        block_size: 64,
        n_layer: 2,
        n_embd: 32,
        ..GptConfig::default()
    };
    // 6 · (2 · 12 · 32² + 100 · 32) + 12 · 2 · 64 · 32
    assert_eq!(c.flops_per_token(64), 6.0 * (24_576.0 + 3_200.0) + 49_152.0);
    // GPT-2 small, the famous 124M
    let gpt2 = GptConfig {
        vocab_size: 50257,
        block_size: 1024,
        n_layer: 12,
        n_head: 12,
        n_embd: 768,
        ..GptConfig::default()
    };
    assert_eq!(gpt2.param_count(), 124_439_808);
}

// ---------------------------------------------------------------- KV cache

#[test]
fn cached_forward_gives_the_logits_of_the_full_forward() {
    let _torch = torch_lock();
    for position in [Position::Learned, Position::Rope] {
        let model = seeded_model(&gpt(29, position), 5);
        let seq = ids(20, 29);
        let full = row_logits(&model, &seq);
        let mut cache = model.new_cache().unwrap();
        let prefill = tch::no_grad(|| {
            model.forward_cached(&Tensor::from_slice(&seq[..12]).unsqueeze(0), &mut cache)
        });
        assert!(max_abs_diff(&prefill.get(0), &full.narrow(0, 0, 12)) < 1e-5);
        // three tokens at once over the cache, then one at a time
        let chunk = tch::no_grad(|| {
            model.forward_cached(&Tensor::from_slice(&seq[12..15]).unsqueeze(0), &mut cache)
        });
        assert!(max_abs_diff(&chunk.get(0), &full.narrow(0, 12, 3)) < 1e-5);
        for t in 15..20 {
            let one = tch::no_grad(|| {
                model.forward_cached(&Tensor::from_slice(&seq[t..t + 1]).unsqueeze(0), &mut cache)
            });
            assert!(
                max_abs_diff(&one.get(0).get(0), &full.get(t as i64)) < 1e-5,
                "position {t}"
            );
        }
        assert_eq!(cache.len(), 20);
    }
}

#[test]
fn kv_cached_generation_equals_uncached_token_for_token() {
    let _torch = torch_lock();
    for position in [Position::Learned, Position::Rope] {
        let model = seeded_model(&gpt(29, position), 6);
        // 40 new tokens after 5: the context outgrows the block size of 24, so the window slides too
        for (temperature, seed) in [(0.0, 0), (1.0, 3), (0.8, 11)] {
            let cfg = SamplingConfig {
                temperature,
                top_p: 1.0,
                seed,
                max_new_tokens: 40,
                ..SamplingConfig::default()
            };
            let prompt = ids(5, 29);
            let cached = generate::generate_tokens(&model, &prompt, &cfg, true).unwrap();
            let uncached = generate::generate_tokens(&model, &prompt, &cfg, false).unwrap();
            assert_eq!(cached.len(), 40);
            assert_eq!(cached, uncached, "{position:?}, T = {temperature}");
        }
    }
}

// ---------------------------------------------------------------- BPE

const ENGLISH: &str =
    "Ada Lovel was born in Toko. Ada works as a baker, and her pet is a cat named Pip.";
const CHINESE: &str = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。";

fn bpe() -> Tokenizer {
    let text = format!("{ENGLISH}\n{CHINESE}\n").repeat(20);
    Tokenizer::bpe(&text, 300).unwrap()
}

#[test]
fn bpe_round_trips_english_chinese_and_text_it_never_saw() {
    let tokenizer = bpe();
    for text in [ENGLISH, CHINESE, "Zyx qwv 龙 🐉 — ünïcode\n\ttabs", ""] {
        assert_eq!(tokenizer.decode(&tokenizer.encode(text)), text);
        assert_eq!(
            tokenizer.encode_strict(text).unwrap(),
            tokenizer.encode(text)
        );
    }
}

#[test]
fn bpe_merges_frequent_pairs_into_fewer_tokens_than_bytes() {
    let tokenizer = bpe();
    assert_eq!(tokenizer.vocab_size(), 300);
    let english = tokenizer.encode(ENGLISH);
    assert!(
        english.len() * 3 < ENGLISH.len() * 2, // measured: 45 tokens for 81 bytes
        "{} tokens",
        english.len()
    );
    let chinese = tokenizer.encode(CHINESE);
    assert!(
        chinese.len() < CHINESE.len(),
        "no Chinese merges: {} tokens",
        chinese.len()
    );
    let Tokenizer::Bpe(inner) = &tokenizer else {
        unreachable!()
    };
    let merges = inner.merges();
    assert_eq!(merges.len(), 300 - 256 - 4);
    // a merge's two pieces were joined into one token of the vocabulary; partial characters show as bytes
    assert!(
        merges
            .iter()
            .any(|(a, b)| a.starts_with("<e") && b.starts_with('<')),
        "{merges:?}"
    );
    let (a, b) = merges
        .iter()
        .find(|(a, b)| !a.contains('<') && !b.contains('<'))
        .unwrap();
    assert_eq!(tokenizer.encode(&format!("{a}{b}")).len(), 1, "{a:?}+{b:?}");
}

#[test]
fn bpe_reserves_the_special_tokens_as_single_ids() {
    let tokenizer = bpe();
    for token in jielong::tokenizer::SPECIAL_TOKENS {
        let id = tokenizer.special_id(token).unwrap();
        assert_eq!(tokenizer.encode(token), vec![id]);
        assert_eq!(tokenizer.decode(&[id]), token);
    }
    assert_eq!(Tokenizer::char_level("abc").special_id("<|end|>"), None);
}

#[test]
fn bpe_pieces_show_partial_characters_as_bytes() {
    let tokenizer = Tokenizer::bpe(&"hello world\n".repeat(5), 270).unwrap();
    let ids = tokenizer.encode("春");
    assert_eq!(ids.len(), 3, "three bytes, never merged");
    let pieces: Vec<String> = ids.iter().map(|&id| tokenizer.token_piece(id)).collect();
    assert_eq!(pieces, ["<e6>", "<98>", "<a5>"]);
    let pieces: Vec<String> = tokenizer
        .encode("hello world")
        .iter()
        .map(|&id| tokenizer.token_piece(id))
        .collect();
    assert_eq!(pieces, ["hello", " world"]);
}

#[test]
fn bpe_survives_json_and_checkpoints() {
    let _torch = torch_lock();
    let tokenizer = bpe();
    let back = Tokenizer::from_json(&tokenizer.to_json()).unwrap();
    assert_eq!(back, tokenizer);
    assert_eq!(back.encode(CHINESE), tokenizer.encode(CHINESE));
    let dir = TempDir::new("bpe-ckpt");
    let model = seeded_model(&gpt(tokenizer.vocab_size(), Position::Rope), 0);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let (loaded, loaded_tokenizer) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    assert_eq!(loaded_tokenizer, tokenizer);
    assert_eq!(loaded.config(), model.config());
    let seq = ids(10, 29);
    assert_eq!(
        max_abs_diff(&row_logits(&loaded, &seq), &row_logits(&model, &seq)),
        0.0
    );
}

#[test]
fn bpe_streaming_never_shows_half_a_character() {
    let _torch = torch_lock();
    let tokenizer = Tokenizer::bpe(&format!("{CHINESE}\n").repeat(3), 262).unwrap();
    let model = seeded_model(&gpt(tokenizer.vocab_size(), Position::Rope), 8);
    let cfg = SamplingConfig {
        temperature: 1.0,
        seed: 2,
        max_new_tokens: 30,
        ..SamplingConfig::default()
    };
    let mut pieces = Vec::new();
    let text = generate::generate_with(&model, &tokenizer, "春眠", &cfg, |p| {
        pieces.push(p.to_string())
    })
    .unwrap();
    assert_eq!(pieces.concat(), text);
    // every streamed piece but the last ends on a whole character
    for piece in &pieces[..pieces.len().saturating_sub(1)] {
        assert!(!piece.ends_with('\u{FFFD}'), "{piece:?}");
    }
}

// ---------------------------------------------------------------- the cloze test

fn small_world() -> World {
    World::generate(&WorldConfig {
        seed: 5,
        n_people: 12,
        diversity: 2,
        docs_per_person: 4,
        ..WorldConfig::default()
    })
    .unwrap()
}

#[test]
fn cloze_items_ask_every_fact_with_distinct_options_around_the_answer() {
    let world = small_world();
    let items = eval::cloze_items(&world, &[0, 3], 4, 9);
    assert_eq!(items.len(), 16);
    for item in &items {
        assert_eq!(item.options.len(), 4);
        assert_eq!(
            item.options.iter().filter(|o| **o == item.answer).count(),
            1
        );
        let distinct: std::collections::BTreeSet<_> = item.options.iter().collect();
        assert_eq!(distinct.len(), 4);
        assert_eq!(
            format!(" {}", world.object(item.person, item.relation)),
            item.answer
        );
        let fact = world
            .person_facts(item.person)
            .into_iter()
            .find(|f| f.relation == item.relation)
            .unwrap();
        assert!(
            world
                .sentence(&fact, 0)
                .starts_with(&format!("{}{}", item.prompt, item.answer))
        );
    }
    assert_eq!(
        items,
        eval::cloze_items(&world, &[0, 3], 4, 9),
        "the same seed, the same questions"
    );
}

#[test]
fn continuation_logprobs_sum_the_token_log_probabilities() {
    let _torch = torch_lock();
    let tokenizer = Tokenizer::char_level("abcdefgh ");
    let model = seeded_model(&gpt(tokenizer.vocab_size(), Position::Learned), 9);
    let scores =
        eval::continuation_logprobs(&model, &tokenizer, "abc", &[" de".into(), "h".into()]);
    let full = tokenizer.encode("abc de");
    let logp = row_logits(&model, &full).log_softmax(-1, Kind::Float);
    let by_hand: f64 = (3..6)
        .map(|t| logp.double_value(&[t as i64 - 1, full[t]]))
        .sum();
    assert!(
        (scores[0] - by_hand).abs() < 1e-5,
        "{} vs {by_hand}",
        scores[0]
    );
    assert!(scores[1] < 0.0);
}

#[test]
fn ties_count_as_wrong_so_a_model_that_knows_nothing_cannot_beat_chance() {
    let _torch = torch_lock();
    let tokenizer = Tokenizer::char_level("abcdefgh ");
    // the bigram starts as all zeros: every option of equal length gets the same log-probability
    let flat = seeded_model(
        &ModelConfig::Bigram {
            vocab_size: tokenizer.vocab_size(),
        },
        0,
    );
    let item = |answer: &str| eval::ClozeItem {
        person: 0,
        relation: jielong::data::world::Relation::Job,
        prompt: "abc".into(),
        answer: answer.into(),
        options: [" ab", " cd", " ef", " gh"].map(String::from).to_vec(),
    };
    let score = eval::cloze_accuracy(&flat, &tokenizer, &[item(" ab"), item(" gh")]);
    assert_eq!(score.accuracy, 0.0);
    assert_eq!(score.chance, 0.25);
    assert_eq!(score.by_relation, vec![("job".to_string(), 0.0)]);
}

/// A tiny GPT pretrained on a 12-person world for `steps` steps, with its tokenizer and the world's cloze
/// questions (call under the torch lock).
fn pretrained_tiny(steps: usize) -> (Model, Tokenizer, Vec<eval::ClozeItem>) {
    let world = small_world();
    let text = world.corpus();
    let tokenizer = Tokenizer::bpe(&text, 320).unwrap();
    let split = Split::new(&tokenizer.encode(&text), 0.1, 32).unwrap();
    let mut model = seeded_model(
        &ModelConfig::Gpt(GptConfig {
            vocab_size: tokenizer.vocab_size(),
            block_size: 32,
            n_layer: 2,
            n_head: 4,
            n_embd: 64,
            position: Position::Rope,
            ..GptConfig::default()
        }),
        1,
    );
    let cfg = TrainConfig {
        steps,
        batch_size: 16,
        block_size: 32,
        lr: 3e-3,
        warmup_steps: 20,
        eval_every: steps,
        eval_batches: 2,
        ..TrainConfig::default()
    };
    train::train(&mut model, &tokenizer, &split, &cfg, &quiet()).unwrap();
    let items = eval::cloze_items(&world, &(0..12).collect::<Vec<_>>(), 4, 1);
    (model, tokenizer, items)
}

#[test]
fn pretraining_teaches_world_facts_cloze_accuracy_beats_chance() {
    let _torch = torch_lock();
    let (model, tokenizer, items) = pretrained_tiny(400);
    let score = eval::cloze_accuracy(&model, &tokenizer, &items);
    // measured: 0.531 on 96 questions with 4 options (chance 0.25)
    assert!(
        score.accuracy >= score.chance + 0.25,
        "accuracy {:.3}",
        score.accuracy
    );
}

// ---------------------------------------------------------------- training machinery

fn tiny_bpe_data() -> (Tokenizer, Split) {
    let text = small_world().corpus();
    let tokenizer = Tokenizer::bpe(&text, 300).unwrap();
    let split = Split::new(&tokenizer.encode(&text), 0.1, 16).unwrap();
    (tokenizer, split)
}

fn accum_train(steps: usize, batch_size: usize, grad_accum_steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size,
        grad_accum_steps,
        block_size: 16,
        lr: 3e-3,
        schedule: Schedule::Constant, // a run can be extended: the rate does not depend on `steps`
        warmup_steps: 3,
        eval_every: 5,
        eval_batches: 2,
        checkpoint_every: 5,
        seed: 4,
        ..TrainConfig::default()
    }
}

#[test]
fn gradient_accumulation_of_two_halves_equals_one_full_batch() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_bpe_data();
    let config = gpt(tokenizer.vocab_size(), Position::Rope);
    let mut whole = seeded_model(&config, 2);
    let mut halves = seeded_model(&config, 2);
    let mut cfg = accum_train(1, 16, 1);
    cfg.grad_clip = 0.0;
    cfg.weight_decay = 0.0;
    let a = train::train(&mut whole, &tokenizer, &split, &cfg, &quiet()).unwrap();
    let b = train::train(
        &mut halves,
        &tokenizer,
        &split,
        &TrainConfig {
            batch_size: 8,
            grad_accum_steps: 2,
            ..cfg.clone()
        },
        &quiet(),
    )
    .unwrap();
    // the two micro-batches draw the same windows as the one batch: same mean loss, same update
    assert!((a.records[1].loss - b.records[1].loss).abs() < 1e-5);
    assert_eq!(b.records[1].tokens, 16 * 16);
    let (wa, wb) = (whole.vs.variables(), halves.vs.variables());
    for (name, t) in &wa {
        assert!(max_abs_diff(t, &wb[name]) < 1e-5, "{name}");
    }
}

#[test]
fn resume_reproduces_the_loss_curve_with_rope_bpe_and_accumulation() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_bpe_data();
    let config = gpt(tokenizer.vocab_size(), Position::Rope);
    let dir = TempDir::new("ch03-resume");
    let opts = |name: &str, resume: Option<std::path::PathBuf>| TrainOptions {
        checkpoint_path: Some(dir.join(name)),
        resume_from: resume,
        ..quiet()
    };
    let mut straight = seeded_model(&config, 3);
    let whole = train::train(
        &mut straight,
        &tokenizer,
        &split,
        &accum_train(20, 4, 2),
        &opts("a.safetensors", None),
    )
    .unwrap();
    let mut first = seeded_model(&config, 3);
    train::train(
        &mut first,
        &tokenizer,
        &split,
        &accum_train(10, 4, 2),
        &opts("b.safetensors", None),
    )
    .unwrap();
    let mut resumed = seeded_model(&config, 99);
    let rest = train::train(
        &mut resumed,
        &tokenizer,
        &split,
        &accum_train(20, 4, 2),
        &opts("b.safetensors", Some(dir.join("b.safetensors"))),
    )
    .unwrap();
    let losses = |r: &[train::Record]| {
        r.iter()
            .map(|r| (r.step, r.loss, r.val_loss))
            .collect::<Vec<_>>()
    };
    assert_eq!(losses(&rest.records), losses(&whole.records[11..]));
}

#[test]
fn bf16_matrix_products_stay_close_to_fp32_and_still_learn() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_bpe_data();
    let mut model = seeded_model(&gpt(tokenizer.vocab_size(), Position::Rope), 5);
    let seq: Vec<i64> = tokenizer.encode(&small_world().corpus())[..20].to_vec();
    let fp32 = row_logits(&model, &seq);
    model.set_precision(Kind::BFloat16);
    let bf16 = row_logits(&model, &seq);
    assert_eq!(bf16.kind(), Kind::Float, "logits come back in fp32");
    assert!(
        max_abs_diff(&fp32, &bf16) < 0.05,
        "{}",
        max_abs_diff(&fp32, &bf16)
    );
    let cfg = TrainConfig {
        precision: Precision::Bf16,
        ..accum_train(40, 8, 1)
    };
    let report = train::train(&mut model, &tokenizer, &split, &cfg, &quiet()).unwrap();
    assert!(report.final_train_loss < report.records[0].train_loss.unwrap() - 1.0);
    // weights stay fp32: the optimizer updates full-precision numbers
    assert!(
        model
            .vs
            .trainable_variables()
            .iter()
            .all(|t| t.kind() == Kind::Float)
    );
    assert_eq!(Precision::Auto.kind_on(Device::Cpu), Kind::Float);
    assert_eq!(Precision::Auto.kind_on(Device::Cuda(0)), Kind::BFloat16);
}

// ---------------------------------------------------------------- the chapter

#[test]
fn the_chapter_writes_every_chart_a_report_and_the_pretrained_checkpoint() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch03-run");
    let cfg = common::tiny_ch03(&dir.path);
    let result = ch03::run(&cfg).unwrap();
    let names = common::file_names(&result.run_dir);
    for chart in [
        "loss.svg",
        "language.svg",
        "world_knowledge.svg",
        "cloze_by_relation.svg",
        "positions.svg",
        "tokenizers.svg",
        "attention.svg",
        "attention_cost.svg",
        "kv_cache.svg",
        "result.json",
        "report.md",
        "config.json",
    ] {
        assert!(
            names.contains(&chart.to_string()),
            "{chart} missing from {names:?}"
        );
    }
    assert_eq!(result.runs.len(), 3);
    assert_eq!(result.knowledge.len(), 3, "evaluations at steps 0, 10, 20");
    assert_eq!(result.knowledge[2].tokens, 20 * 4 * 32);
    assert!(result.kv_cache.iter().all(|k| k.same_tokens));
    assert_eq!(result.hermit.len(), cfg.questions.len());
    assert!(result.utilization.mfu > 0.0);
    assert_eq!(
        result.pretrained_checkpoint,
        ch03::pretrained_checkpoint_path(&cfg)
    );
    let (model, tokenizer) =
        checkpoint::load_model(&result.pretrained_checkpoint, Device::Cpu).unwrap();
    assert_eq!(tokenizer.name(), "bpe");
    assert!(matches!(model.config(), ModelConfig::Gpt(c) if c.position == Position::Rope));
    // result.json reads back as what run returned
    let json = std::fs::read_to_string(result.run_dir.join("result.json")).unwrap();
    let back: ch03::Ch03Result = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
    // a later chapter finds the checkpoint and does not pretrain again
    let before = std::fs::metadata(&result.pretrained_checkpoint)
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(
        ch03::ensure_pretrained(&cfg).unwrap(),
        result.pretrained_checkpoint
    );
    let after = std::fs::metadata(&result.pretrained_checkpoint)
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn ensure_pretrained_makes_a_missing_checkpoint() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch03-ensure");
    let cfg = Ch03Config {
        compare: false,
        ..common::tiny_ch03(&dir.path)
    };
    let path = ch03::ensure_pretrained(&cfg).unwrap();
    assert!(path.exists());
    assert!(checkpoint::load(&path).unwrap().train_state.is_some());
}

#[test]
fn the_config_file_is_the_tiny_preset_and_bad_configs_are_refused() {
    let file: Ch03Config =
        jielong::chapters::load_config(std::path::Path::new("chapters/03-pretraining/config.json"))
            .unwrap();
    assert_eq!(file, Ch03Config::tiny());
    assert_eq!(Ch03Config::preset("small").unwrap(), Ch03Config::small());
    assert!(
        Ch03Config::preset("huge")
            .unwrap_err()
            .to_string()
            .contains("tiny, small")
    );
    Ch03Config::small().validate().unwrap();
    let small_params = GptConfig {
        vocab_size: 2048,
        ..Ch03Config::small().gpt
    }
    .param_count();
    assert!(
        (10_000_000..30_000_000).contains(&small_params),
        "{small_params}"
    );
    for (bad, field) in [
        (
            Ch03Config {
                cloze_options: 1,
                ..Ch03Config::tiny()
            },
            "cloze_options",
        ),
        (
            Ch03Config {
                cloze_people: 10_000,
                ..Ch03Config::tiny()
            },
            "cloze_people",
        ),
        (
            Ch03Config {
                bpe_vocab_size: 100,
                ..Ch03Config::tiny()
            },
            "vocab",
        ),
        (
            Ch03Config {
                generation_lengths: vec![500],
                ..Ch03Config::tiny()
            },
            "generation_lengths",
        ),
    ] {
        let message = bad.validate().unwrap_err().to_string();
        assert!(message.contains(field), "{message}");
    }
}

/// What two runs of chapter 3 with the same config must agree on exactly: every measurement but the clock's
/// (forward and generation timings, throughput, MFU).
fn measured(r: &ch03::Ch03Result) -> serde_json::Value {
    let mut value = common::without_times(r);
    let fields = value.as_object_mut().unwrap();
    for timed in ["cost", "kv_cache", "utilization"] {
        fields.remove(timed);
    }
    value
}

#[test]
fn a_rerun_of_chapter_three_reuses_its_pretrainings_and_recomputes_only_what_changed() {
    use common::{recomputed, result_times};
    let _torch = torch_lock();
    let dir = TempDir::new("ch03-reuse");
    let cfg = common::tiny_ch03(&dir.path);
    let root = dir.join(&cfg.run_name);
    let first = ch03::run(&cfg).unwrap();
    let times = result_times(&root);
    assert_eq!(
        times.keys().collect::<Vec<_>>(),
        ["chars", "learned", "pretrained"]
    );

    // Run again: every pretraining read back, the main model loaded, the same measurements exactly.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = ch03::run(&cfg).unwrap();
    assert!(recomputed(&times, &result_times(&root)).is_empty());
    assert_eq!(again.runs, first.runs);
    assert_eq!(measured(&again), measured(&first));

    // A longer sample at each evaluation is what the main run measures: only it trains again.
    let longer = ch03::Ch03Config {
        sample_tokens: cfg.sample_tokens + 3,
        ..cfg.clone()
    };
    let changed = ch03::run(&longer).unwrap();
    let after = result_times(&root);
    assert_eq!(recomputed(&times, &after), ["pretrained"]);
    assert_eq!(changed.runs[1..], first.runs[1..]);
    assert_ne!(changed.knowledge, first.knowledge);

    // An interrupted pretraining (no result.json) is trained again, and alone, to the same numbers.
    std::fs::remove_file(root.join("chars").join("result.json")).unwrap();
    let resumed = ch03::run(&longer).unwrap();
    let later = result_times(&root);
    assert_eq!(recomputed(&after, &later), ["chars"]);
    assert_eq!(measured(&resumed), measured(&changed));

    // fresh: everything trains again, to the same numbers.
    let fresh = ch03::run(&ch03::Ch03Config {
        fresh: true,
        ..longer.clone()
    })
    .unwrap();
    assert_eq!(recomputed(&later, &result_times(&root)).len(), 3);
    assert_eq!(measured(&fresh), measured(&changed));
}
