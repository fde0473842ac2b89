//! The models: shapes, causality, the starting loss, config validation, parameter names.

mod common;

use common::{seeded_model, tiny_gpt, torch_lock};
use jielong::model::{GptConfig, Model, ModelConfig, Position};
use tch::{Device, Kind, Tensor};

const VOCAB: usize = 23;

fn gpt(n_layer: usize, dropout: f64) -> ModelConfig {
    ModelConfig::Gpt(GptConfig {
        vocab_size: VOCAB,
        block_size: 16,
        n_layer,
        n_head: 4,
        n_embd: 32,
        dropout,
        tie_weights: false,
        position: Position::Learned,
        attention_only: false,
    })
}

/// The same GPT with attention alone in its blocks.
fn attention_only(n_layer: usize) -> ModelConfig {
    let ModelConfig::Gpt(c) = gpt(n_layer, 0.0) else {
        unreachable!("gpt() builds a GPT")
    };
    ModelConfig::Gpt(GptConfig {
        attention_only: true,
        ..c
    })
}

fn logits(model: &Model, ids: &[i64]) -> Vec<Vec<f32>> {
    let idx = Tensor::from_slice(ids).unsqueeze(0);
    let out = tch::no_grad(|| model.forward(&idx, false)).get(0);
    (0..ids.len() as i64)
        .map(|t| Vec::<f32>::try_from(&out.get(t)).unwrap())
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn some_ids(n: usize) -> Vec<i64> {
    (0..n as i64).map(|i| (i * 7 + 3) % VOCAB as i64).collect()
}

#[test]
fn forward_maps_ids_to_one_score_per_token_per_position() {
    let _torch = torch_lock();
    for config in [gpt(2, 0.0), ModelConfig::Bigram { vocab_size: VOCAB }] {
        let model = seeded_model(&config, 0);
        let idx = Tensor::from_slice(&some_ids(30)).view([3, 10]);
        assert_eq!(model.forward(&idx, false).size(), vec![3, 10, VOCAB as i64]);
        assert_eq!(
            model.next_token_logits(&some_ids(5)).size(),
            vec![VOCAB as i64]
        );
    }
}

#[test]
fn gpt_is_causal_later_tokens_never_change_earlier_logits() {
    let _torch = torch_lock();
    for config in [gpt(2, 0.0), attention_only(2)] {
        // Measured: 0 (bit-identical) on CPU, with and without the MLP.
        let worst = earliest_change(&seeded_model(&config, 3));
        assert!(
            worst <= 1e-6,
            "a later token changed an earlier position's logits by {worst}"
        );
    }
}

/// The largest change of any position's logits when a later token is edited.
fn earliest_change(model: &Model) -> f32 {
    let ids = some_ids(16);
    let before = logits(model, &ids);
    let mut worst = 0.0f32;
    for changed in 1..ids.len() {
        let mut edited = ids.clone();
        edited[changed] = (edited[changed] + 5) % VOCAB as i64;
        let after = logits(model, &edited);
        for t in 0..changed {
            worst = worst.max(max_abs_diff(&before[t], &after[t]));
        }
        // The edit is visible from its own position on, so the comparison above can fail.
        assert!(max_abs_diff(&before[changed], &after[changed]) > 1e-4);
    }
    worst
}

#[test]
fn an_attention_only_gpt_has_no_mlp_and_counts_its_parameters() {
    let _torch = torch_lock();
    let model = seeded_model(&attention_only(2), 0);
    let mut names: Vec<String> = model.vs.variables().into_keys().collect();
    names.sort();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("mlp") && !n.contains("ln2")),
        "{names:?}"
    );
    assert!(names.contains(&"blocks.1.attn.qkv.weight".to_string()));
    let ModelConfig::Gpt(c) = model.config() else {
        unreachable!("a GPT")
    };
    // tok_emb 23·32 + pos_emb 16·32 + 2 × (qkv 32·96+96 + proj 32·32+32 + ln1 64) + ln_f 64 + head 23·32
    assert_eq!(
        model.num_params(),
        736 + 512 + 2 * (3168 + 1056 + 64) + 64 + 736
    );
    assert_eq!(model.num_params() as usize, c.param_count());
    assert_eq!(c.matmul_params(), (2 * 4 * 32 * 32 + 23 * 32) as f64);
    let idx = Tensor::from_slice(&some_ids(16)).unsqueeze(0);
    assert_eq!(model.forward(&idx, false).size(), [1, 16, VOCAB as i64]);
}

#[test]
fn bigram_logits_depend_only_on_the_current_token() {
    let _torch = torch_lock();
    let model = seeded_model(&ModelConfig::Bigram { vocab_size: VOCAB }, 0);
    // A table of distinct rows, so equal outputs mean the same row was read.
    tch::no_grad(|| {
        for (_, mut w) in model.vs.variables() {
            w.copy_(&Tensor::randn(w.size(), (Kind::Float, Device::Cpu)));
        }
    });
    let a = logits(&model, &[1, 2, 3, 4]);
    let b = logits(&model, &[9, 9, 3, 5]);
    assert_eq!(a[2], b[2]);
    assert_ne!(a[3], b[3]);
    assert_eq!(logits(&model, &[3])[0], a[2]);
}

#[test]
fn next_token_logits_read_only_the_last_block_of_context() {
    let _torch = torch_lock();
    let model = seeded_model(&gpt(1, 0.0), 4);
    let long = some_ids(40); // block_size is 16
    let full = Vec::<f32>::try_from(&model.next_token_logits(&long)).unwrap();
    let last_block = Vec::<f32>::try_from(&model.next_token_logits(&long[24..])).unwrap();
    assert_eq!(full, last_block);
    let shorter = Vec::<f32>::try_from(&model.next_token_logits(&long[25..])).unwrap();
    assert_ne!(full, shorter);
}

#[test]
fn fresh_models_start_at_the_uniform_guess() {
    let _torch = torch_lock();
    let uniform = (VOCAB as f64).ln();
    let idx = Tensor::from_slice(&some_ids(64)).view([4, 16]);
    let targets = idx.roll([1], [1]);
    let bigram = seeded_model(&ModelConfig::Bigram { vocab_size: VOCAB }, 0);
    let loss = bigram.loss(&idx, &targets, false).double_value(&[]);
    // The bigram's table starts at zero: every token equally likely, exactly.
    assert!(
        (loss - uniform).abs() < 1e-6,
        "bigram {loss} vs ln V {uniform}"
    );
    let model = seeded_model(&gpt(2, 0.0), 0);
    let loss = model.loss(&idx, &targets, false).double_value(&[]);
    // Small initial weights give nearly uniform predictions. Measured: |loss − ln 23| = 0.011.
    assert!((loss - uniform).abs() < 0.1, "gpt {loss} vs ln V {uniform}");
}

#[test]
fn dropout_acts_only_in_training_mode() {
    let _torch = torch_lock();
    let model = seeded_model(&gpt(1, 0.5), 0);
    let idx = Tensor::from_slice(&some_ids(16)).unsqueeze(0);
    let eval_a = model.forward(&idx, false);
    let eval_b = model.forward(&idx, false);
    assert_eq!(eval_a.max_abs_diff(&eval_b), 0.0);
    let train = model.forward(&idx, true);
    assert!(eval_a.max_abs_diff(&train) > 1e-3);
}

trait MaxAbsDiff {
    fn max_abs_diff(&self, other: &Tensor) -> f64;
}

impl MaxAbsDiff for Tensor {
    fn max_abs_diff(&self, other: &Tensor) -> f64 {
        (self - other).abs().max().double_value(&[])
    }
}

#[test]
fn parameters_are_named_after_the_architecture() {
    let _torch = torch_lock();
    let model = seeded_model(&tiny_gpt(VOCAB), 0);
    let mut names: Vec<String> = model.vs.variables().into_keys().collect();
    names.sort();
    let expected = [
        "blocks.0.attn.proj.bias",
        "blocks.0.attn.proj.weight",
        "blocks.0.attn.qkv.bias",
        "blocks.0.attn.qkv.weight",
        "blocks.0.ln1.bias",
        "blocks.0.ln1.weight",
        "blocks.0.ln2.bias",
        "blocks.0.ln2.weight",
        "blocks.0.mlp.fc.bias",
        "blocks.0.mlp.fc.weight",
        "blocks.0.mlp.proj.bias",
        "blocks.0.mlp.proj.weight",
        "ln_f.bias",
        "ln_f.weight",
        "pos_emb.weight",
        "tok_emb.weight",
    ];
    assert_eq!(names, expected);
    // tok_emb 23·32 + pos_emb 16·32 + qkv 32·96+96 + proj 32·32+32 + fc 32·128+128 + proj 128·32+32
    // + 3 LayerNorms 3·64 (the head is tied to tok_emb).
    assert_eq!(
        model.num_params(),
        736 + 512 + 3168 + 1056 + 4224 + 4128 + 192
    );
    let bigram = seeded_model(&ModelConfig::Bigram { vocab_size: VOCAB }, 0);
    assert_eq!(bigram.num_params(), (VOCAB * VOCAB) as i64);
    let untied = seeded_model(&gpt(1, 0.0), 0);
    assert!(untied.vs.variables().contains_key("head.weight"));
}

#[test]
fn impossible_model_configs_are_refused_naming_the_field() {
    let base = GptConfig {
        vocab_size: VOCAB,
        n_head: 4,
        n_embd: 30,
        ..GptConfig::default()
    };
    let cases = [
        (
            base.clone(),
            "model config: n_embd (30) must be divisible by n_head (4)",
        ),
        (
            GptConfig {
                block_size: 0,
                n_embd: 32,
                ..base.clone()
            },
            "model config: block_size must be at least 1 (it is the context length)",
        ),
        (
            GptConfig {
                n_layer: 0,
                n_embd: 32,
                ..base.clone()
            },
            "model config: n_layer, n_head and n_embd must all be at least 1",
        ),
        (
            GptConfig {
                dropout: 1.0,
                n_embd: 32,
                ..base.clone()
            },
            "model config: dropout must be in [0, 1), got 1",
        ),
        (
            GptConfig {
                vocab_size: 0,
                n_embd: 32,
                ..base.clone()
            },
            "model config: vocab_size must be at least 1",
        ),
    ];
    for (config, message) in cases {
        let err = Model::new(&ModelConfig::Gpt(config), Device::Cpu).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    let err = Model::new(&ModelConfig::Bigram { vocab_size: 0 }, Device::Cpu).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model config: vocab_size must be at least 1"
    );
}

#[test]
fn model_configs_read_from_json_with_defaults_and_reject_unknown_fields() {
    let config: ModelConfig =
        serde_json::from_str(r#"{"kind": "gpt", "n_layer": 1, "n_embd": 32}"#).unwrap();
    let ModelConfig::Gpt(c) = &config else {
        panic!("expected a GPT config, got {config:?}");
    };
    assert_eq!(
        (c.n_layer, c.n_embd, c.n_head, c.block_size),
        (1, 32, 4, 64)
    );
    assert!(!c.attention_only, "an ordinary GPT unless asked");
    let bigram: ModelConfig = serde_json::from_str(r#"{"kind": "bigram"}"#).unwrap();
    assert_eq!(
        bigram.with_vocab_size(9),
        ModelConfig::Bigram { vocab_size: 9 }
    );
    let err = serde_json::from_str::<ModelConfig>(r#"{"kind": "gpt", "n_layers": 2}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `n_layers`"), "{err}");
}
