//! The course's core on the test device: `JIELONG_TEST_DEVICE` (default `cpu`; `make gpu-check` sets `cuda`).
//! On a GPU these are the checks that CUDA not only links but computes what the CPU computes: a tiny GPT
//! learns, generation with the KV cache equals generation without it, and a checkpoint written on the device
//! reads back on the CPU.

mod common;

use common::{TempDir, quiet, tiny_data, tiny_gpt, tiny_train, torch_lock};
use jielong::device::{self, DeviceChoice};
use jielong::generate::{SamplingConfig, generate_tokens};
use jielong::model::{Model, Precision};
use jielong::{checkpoint, train};
use tch::Device;

fn test_device() -> Device {
    let choice: DeviceChoice = std::env::var("JIELONG_TEST_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()
        .unwrap();
    choice
        .resolve()
        .expect("JIELONG_TEST_DEVICE names a device this machine has")
}

/// A tiny GPT trained for `steps` on the test device in `precision`, and its final validation loss.
fn train_on_device(steps: usize, precision: Precision) -> (Model, jielong::Tokenizer, f64) {
    let (tokenizer, split) = tiny_data();
    device::seed(1);
    let mut model = Model::new(&tiny_gpt(tokenizer.vocab_size()), test_device()).unwrap();
    let cfg = train::TrainConfig {
        precision,
        ..tiny_train(steps)
    };
    let report = train::train(&mut model, &tokenizer, &split, &cfg, &quiet()).unwrap();
    (model, tokenizer, report.final_val_loss)
}

#[test]
fn a_tiny_gpt_learns_on_the_test_device_in_fp32_and_in_its_default_precision() {
    let _lock = torch_lock();
    for precision in [Precision::Fp32, Precision::Auto] {
        let (_, tokenizer, val_loss) = train_on_device(150, precision);
        let uniform = (tokenizer.vocab_size() as f64).ln();
        println!("{precision:?}: validation loss {val_loss:.3}, uniform guess {uniform:.3}");
        // measured on a 2-core CPU: 2.595 after 150 steps, against a uniform guess of 4.143
        assert!(
            val_loss < uniform - 1.0,
            "{precision:?}: validation loss {val_loss:.3}, uniform {uniform:.3}"
        );
    }
}

#[test]
fn generation_with_the_kv_cache_equals_generation_without_it_on_the_test_device() {
    let _lock = torch_lock();
    let (model, tokenizer, _) = train_on_device(60, Precision::Fp32);
    let prompt = tokenizer.encode("The ");
    let cfg = SamplingConfig::plain(0.0, 3, 24); // greedy
    let cached = generate_tokens(&model, &prompt, &cfg, true).unwrap();
    let uncached = generate_tokens(&model, &prompt, &cfg, false).unwrap();
    assert_eq!(cached, uncached);
}

#[test]
fn a_checkpoint_written_on_the_test_device_reads_back_on_the_cpu() {
    let _lock = torch_lock();
    let (model, tokenizer, _) = train_on_device(20, Precision::Fp32);
    let dir = TempDir::new("device-checkpoint");
    let path = dir.join("model.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let (on_cpu, _) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    let context = tokenizer.encode("The ");
    let a = model.next_token_logits(&context).to_device(Device::Cpu);
    let b = on_cpu.next_token_logits(&context);
    let diff = (a - b).abs().max().double_value(&[]);
    assert!(
        diff < 1e-4,
        "logits differ by {diff} between the device and the CPU"
    );
}
