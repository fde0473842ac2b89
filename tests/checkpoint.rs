//! Checkpoints and run directories: exact round trips, refusal of another model's checkpoint, atomic writes,
//! clear errors for damaged files, and results cached per config.

mod common;

use common::{TempDir, file_names, seeded_model, tiny_gpt, torch_lock, trained_tiny_gpt};
use jielong::checkpoint::{self, FORMAT, TrainState};
use jielong::model::{GptConfig, Model, ModelConfig};
use jielong::{Tokenizer, run};
use std::collections::HashMap;
use std::path::Path;
use tch::{Device, Tensor};

fn all_logits(model: &Model, ids: &[i64]) -> Tensor {
    let idx = Tensor::from_slice(ids).unsqueeze(0);
    tch::no_grad(|| model.forward(&idx, false))
}

fn error_of<T>(result: anyhow::Result<T>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn checkpoint_round_trip_gives_identical_logits() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-roundtrip");
    let (model, tokenizer, _) = trained_tiny_gpt(20);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let (loaded, loaded_tokenizer) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    assert_eq!(loaded.config(), model.config());
    assert_eq!(loaded_tokenizer, tokenizer);
    let ids = tokenizer.encode("She was born in "); // 16 tokens: one full block
    let (a, b) = (all_logits(&model, &ids), all_logits(&loaded, &ids));
    assert!(a.equal(&b), "logits differ after the round trip");
    for (name, saved) in model.vs.variables() {
        assert!(saved.equal(&loaded.vs.variables()[&name]), "{name}");
    }
}

#[test]
fn bigram_checkpoint_round_trips_too() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-bigram");
    let tokenizer = Tokenizer::char_level("abcdef");
    let model = seeded_model(&ModelConfig::Bigram { vocab_size: 7 }, 0);
    tch::no_grad(|| {
        for (_, mut w) in model.vs.variables() {
            w.copy_(&Tensor::randn(w.size(), (tch::Kind::Float, Device::Cpu)));
        }
    });
    let path = dir.join("bigram.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let (loaded, _) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    let ids = [1, 2, 3, 4, 5, 6, 0];
    assert!(all_logits(&model, &ids).equal(&all_logits(&loaded, &ids)));
}

#[test]
fn training_state_and_optimizer_tensors_are_stored() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-state");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let state = TrainState {
        step: 17,
        train_config: serde_json::json!({"lr": 0.5}),
        ..TrainState::default()
    };
    let optim = vec![("optim.t".to_string(), Tensor::from(17.0f32))];
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, Some((&state, optim))).unwrap();
    let ckpt = checkpoint::load(&path).unwrap();
    assert_eq!(ckpt.train_state, Some(state));
    assert_eq!(ckpt.tensors["optim.t"].double_value(&[]), 17.0);
    assert_eq!(
        ckpt.tensors_with_prefix("model.").len(),
        model.vs.variables().len()
    );
}

#[test]
fn loading_into_a_model_of_another_config_names_both_configs() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-mismatch");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let ModelConfig::Gpt(saved) = tiny_gpt(tokenizer.vocab_size()) else {
        unreachable!()
    };
    let other = ModelConfig::Gpt(GptConfig {
        n_embd: 64,
        ..saved
    });
    let mut wider = seeded_model(&other, 0);
    let err = error_of(checkpoint::load(&path).unwrap().load_into(&mut wider));
    let saved_json = serde_json::to_string(model.config()).unwrap();
    let other_json = serde_json::to_string(&other).unwrap();
    assert_eq!(
        err,
        format!("checkpoint was made for model {saved_json} but the model is {other_json}")
    );
    assert!(saved_json.contains("\"n_embd\":32") && other_json.contains("\"n_embd\":64"));
}

#[test]
fn a_checkpoint_write_leaves_no_temporary_file() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-atomic");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    checkpoint::save(&path, &model, &tokenizer, None).unwrap(); // overwrite in place
    assert_eq!(file_names(&dir.path), vec!["model.safetensors"]);
    assert_eq!(
        run::temp_path(&path),
        dir.join(".model.safetensors.tmp"),
        "the temporary name the writer uses"
    );
}

#[test]
fn a_failed_checkpoint_write_keeps_the_previous_checkpoint() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-failed-write");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let before = std::fs::read(&path).unwrap();
    // Block the temporary file's name with a directory: the write fails before the rename.
    std::fs::create_dir(run::temp_path(&path)).unwrap();
    let (other, _, _) = trained_tiny_gpt(2);
    let err = error_of(checkpoint::save(&path, &other, &tokenizer, None));
    assert!(
        err.starts_with(&format!("cannot write checkpoint {}", path.display())),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the old checkpoint is intact"
    );
    checkpoint::load_model(&path, Device::Cpu).unwrap();
}

#[test]
fn truncated_or_corrupt_checkpoints_give_a_clear_error() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-corrupt");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let good = dir.join("good.safetensors");
    checkpoint::save(&good, &model, &tokenizer, None).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("four-bytes", bytes[..4].to_vec()),
        ("header-cut", bytes[..40].to_vec()),
        ("half", bytes[..bytes.len() / 2].to_vec()),
        ("one-byte-short", bytes[..bytes.len() - 1].to_vec()),
        ("text", b"this is not a checkpoint at all".to_vec()),
        ("huge-header-length", {
            let mut b = bytes.clone();
            b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
            b
        }),
    ];
    for (name, content) in damaged {
        let path = dir.join(&format!("{name}.safetensors"));
        std::fs::write(&path, content).unwrap();
        let err = error_of(checkpoint::load_model(&path, Device::Cpu));
        assert!(
            err.starts_with(&format!(
                "{} is not a valid jielong checkpoint: ",
                path.display()
            )),
            "{name}: {err}"
        );
    }
    let missing = dir.join("missing.safetensors");
    let err = error_of(checkpoint::load(&missing));
    assert!(
        err.starts_with(&format!("cannot read checkpoint {}", missing.display())),
        "{err}"
    );
}

/// A valid safetensors file written by someone else: `extra` metadata, one tensor named `name`.
fn foreign_safetensors(path: &Path, name: &str, metadata: HashMap<String, String>) {
    let data: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let view =
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2], &data).unwrap();
    let bytes = safetensors::tensor::serialize([(name, view)], Some(metadata)).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn safetensors_files_that_are_not_jielong_checkpoints_are_refused() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-foreign");
    let (model, tokenizer, _) = trained_tiny_gpt(1);
    let config = serde_json::to_string(model.config()).unwrap();

    let path = dir.join("plain.safetensors");
    foreign_safetensors(&path, "weight", HashMap::new());
    let err = error_of(checkpoint::load(&path));
    assert_eq!(
        err,
        format!(
            "{} is not a valid jielong checkpoint: metadata has no 'format'",
            path.display()
        )
    );

    let path = dir.join("other-format.safetensors");
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    foreign_safetensors(&path, "weight", meta);
    let err = error_of(checkpoint::load(&path));
    assert!(
        err.ends_with(&format!("format is 'pt', expected '{FORMAT}'")),
        "{err}"
    );

    // Our metadata but not our parameters: restoring the model names the missing parameter.
    let path = dir.join("no-params.safetensors");
    let meta = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("model_config".to_string(), config),
        ("tokenizer".to_string(), tokenizer.to_json()),
    ]);
    foreign_safetensors(&path, "weight", meta);
    let err = error_of(checkpoint::load_model(&path, Device::Cpu));
    assert!(err.starts_with("cannot restore the model from"), "{err}");
    assert!(err.contains("checkpoint lacks parameter"), "{err}");
}

#[test]
fn a_checkpoint_whose_tokenizer_outgrows_its_model_is_refused() {
    let _torch = torch_lock();
    let dir = TempDir::new("ckpt-vocab");
    let model = seeded_model(&tiny_gpt(5), 0);
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &Tokenizer::char_level("abcdefghij"), None).unwrap();
    let err = error_of(checkpoint::load_model(&path, Device::Cpu));
    assert_eq!(
        err,
        format!(
            "{} is not a valid jielong checkpoint: the model scores 5 tokens but the tokenizer has 11",
            path.display()
        )
    );
    // A tokenizer the model can read in full is fine.
    checkpoint::save(&path, &model, &Tokenizer::char_level("abcd"), None).unwrap();
    checkpoint::load_model(&path, Device::Cpu).unwrap();
}

#[test]
fn a_cached_result_is_computed_once_per_config_and_never_for_another() {
    let dir = TempDir::new("cached");
    let calls = &std::cell::Cell::new(0);
    let square = |n: u32| {
        move |_: &run::RunDir| -> anyhow::Result<u32> {
            calls.set(calls.get() + 1);
            Ok(n * n)
        }
    };
    let first = run::cached(&dir.path, "size-3", &3u32, square(3)).unwrap();
    assert_eq!(first, (9, run::Cache::Computed));
    let again = run::cached(&dir.path, "size-3", &3u32, square(3)).unwrap();
    assert_eq!(again, (9, run::Cache::Hit));
    assert_eq!(calls.get(), 1, "the second call read the result back");
    // another config in the same directory is computed, and replaces the old one
    assert_eq!(
        run::cached(&dir.path, "size-3", &4u32, square(4)).unwrap(),
        (16, run::Cache::Computed)
    );
    assert_eq!(calls.get(), 2);
    // a damaged result is computed again
    std::fs::write(dir.join("size-3").join("result.json"), "{not json").unwrap();
    assert_eq!(
        run::cached(&dir.path, "size-3", &4u32, square(4)).unwrap(),
        (16, run::Cache::Computed)
    );
    // a failed computation leaves no result behind, so the next call computes
    let failed = run::cached(
        &dir.path,
        "size-5",
        &5u32,
        |_: &run::RunDir| -> anyhow::Result<u32> { anyhow::bail!("interrupted") },
    );
    assert!(failed.is_err());
    assert!(!dir.join("size-5").join("result.json").exists());
    assert_eq!(
        run::cached(&dir.path, "size-5", &5u32, square(5)).unwrap(),
        (25, run::Cache::Computed)
    );
    assert_eq!(calls.get(), 4);
}
