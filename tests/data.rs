//! Corpora, splits and batches: the text supplies its own targets, exactly shifted by one.

mod common;

use common::TempDir;
use jielong::Tokenizer;
use jielong::data::world::{Language, WorldConfig, world_corpus};
use jielong::data::{
    CorpusSource, Split, TANG_POEMS_PATH, clean_fortunes, random_batch, read_text_file, step_rng,
};
use jielong::model::{GptConfig, ModelConfig};
use jielong::train::{self, TrainConfig};
use tch::{Device, Tensor};

#[test]
fn batch_targets_are_inputs_shifted_by_one() {
    let ids: Vec<i64> = (0..100).collect();
    let tokens = Tensor::from_slice(&ids);
    let (x, y) = random_batch(&tokens, 8, 10, &mut step_rng(7, 0), Device::Cpu);
    assert_eq!(x.size(), vec![8, 10]);
    assert_eq!(y.size(), vec![8, 10]);
    // the tokens are their own positions, so a target is its input plus one, everywhere
    let diff = (&y - &x).eq(1).all().int64_value(&[]);
    assert_eq!(diff, 1);
    let max_start = x.select(1, 0).max().int64_value(&[]);
    assert!(max_start <= 100 - 11, "a window never runs past the end");
}

#[test]
fn batches_are_a_pure_function_of_seed_and_step() {
    let tokens = Tensor::from_slice(&(0..1000).collect::<Vec<i64>>());
    let draw = |seed, step| random_batch(&tokens, 4, 8, &mut step_rng(seed, step), Device::Cpu).0;
    assert!(draw(1, 5).equal(&draw(1, 5)));
    assert!(!draw(1, 5).equal(&draw(1, 6)));
    assert!(!draw(1, 5).equal(&draw(2, 5)));
}

#[test]
fn split_holds_out_the_tail_for_validation() {
    let ids: Vec<i64> = (0..200).collect();
    let split = Split::new(&ids, 0.25, 8).unwrap();
    assert_eq!(split.train_len(), 150);
    assert_eq!(split.val.size(), vec![50]);
    assert_eq!(split.val.int64_value(&[0]), 150);
}

#[test]
fn split_refuses_a_corpus_too_short_for_the_block_or_a_bad_fraction() {
    let ids: Vec<i64> = (0..40).collect();
    let err = Split::new(&ids, 0.1, 16).unwrap_err().to_string();
    assert!(
        err.contains("40 tokens") && err.contains("block_size 16"),
        "{err}"
    );
    assert!(
        Split::new(&ids, 0.0, 4)
            .unwrap_err()
            .to_string()
            .contains("val_fraction")
    );
    assert!(
        Split::new(&ids, 1.0, 4)
            .unwrap_err()
            .to_string()
            .contains("val_fraction")
    );
}

#[test]
fn fortune_files_lose_their_colour_codes_and_separators() {
    // the shape of Debian's fortunes-zh files: an ANSI-coloured title and author, the text, then "%"
    let raw = "\u{1b}[32m《春晓》\u{1b}[m\n\u{1b}[33m作者：无名\u{1b}[m\n第一行，\n第二行。\n%\n\u{1b}[32m《夜》\u{1b}[m\n一行。\n%\n";
    assert_eq!(
        clean_fortunes(raw),
        "《春晓》\n作者：无名\n第一行，\n第二行。\n\n《夜》\n一行。\n"
    );
}

#[test]
fn tang_poems_are_three_hundred_clean_paragraphs_when_installed() {
    if !std::path::Path::new(TANG_POEMS_PATH).exists() {
        let err = CorpusSource::TangPoems.load().unwrap_err().to_string();
        assert!(err.contains("apt-get install fortunes-zh"), "{err}");
        return;
    }
    let text = CorpusSource::TangPoems.load().unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains("\n%\n"));
    let poems = text.split("\n\n").count();
    assert!((300..=330).contains(&poems), "{poems} poems");
}

#[test]
fn text_files_must_exist_be_utf8_and_hold_text() {
    let dir = TempDir::new("data");
    let good = dir.join("good.txt");
    std::fs::write(&good, "床前明月光\n").unwrap();
    assert_eq!(read_text_file(&good).unwrap(), "床前明月光\n");
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, " \n\n").unwrap();
    assert!(
        read_text_file(&empty)
            .unwrap_err()
            .to_string()
            .ends_with("is empty")
    );
    let latin1 = dir.join("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9").unwrap();
    assert!(
        read_text_file(&latin1)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8 text (invalid byte at offset 3)")
    );
    let missing = dir.join("missing.txt");
    assert!(format!("{:#}", read_text_file(&missing).unwrap_err()).contains("missing.txt"));
}

/// The tiny world of the training tests, told in Chinese.
fn tiny_chinese_world() -> WorldConfig {
    WorldConfig {
        language: Language::Zh,
        ..common::tiny_world()
    }
}

#[test]
fn chinese_characters_make_a_larger_vocabulary_than_english_letters() {
    let english = Tokenizer::char_level(&world_corpus(&common::tiny_world()).unwrap());
    let chinese = Tokenizer::char_level(&world_corpus(&tiny_chinese_world()).unwrap());
    let (ve, vz) = (english.vocab_size(), chinese.vocab_size());
    println!("char-level V on the same world: English {ve}, Chinese {vz}");
    // Measured: English 63, Chinese 368 on the 40-person tiny world.
    assert!((40..=80).contains(&ve), "English V {ve}");
    assert!(vz > 4 * ve, "Chinese V {vz} vs English {ve}");
}

#[test]
fn a_tiny_chinese_gpt_beats_the_chinese_bigram() {
    let _torch = common::torch_lock();
    let text = world_corpus(&tiny_chinese_world()).unwrap();
    let tokenizer = Tokenizer::char_level(&text);
    let split = Split::new(&tokenizer.encode(&text), 0.1, 16).unwrap();
    let v = tokenizer.vocab_size();
    let run = |config: &ModelConfig, lr: f64, steps: usize| {
        let mut model = common::seeded_model(config, 1);
        let cfg = TrainConfig {
            lr,
            batch_size: 16,
            ..common::tiny_train(steps)
        };
        train::train(&mut model, &tokenizer, &split, &cfg, &common::quiet())
            .unwrap()
            .final_val_loss
    };
    let bigram = run(&ModelConfig::Bigram { vocab_size: v }, 0.1, 400);
    let ModelConfig::Gpt(tiny) = common::tiny_gpt(v) else {
        unreachable!("tiny_gpt is a GPT")
    };
    let wider = ModelConfig::Gpt(GptConfig { n_embd: 64, ..tiny });
    let gpt = run(&wider, 3e-3, 800);
    println!(
        "Chinese tiny world, V {v}: uniform {:.3}, bigram {bigram:.3}, GPT {gpt:.3}",
        (v as f64).ln()
    );
    // Measured (validation, nats per character): uniform ln 368 = 5.908, bigram 2.535, GPT 2.271; so the
    // bigram is 3.37 below uniform (bound: 1.0) and the GPT 0.264 below the bigram (bound: 0.15).
    assert!(bigram < (v as f64).ln() - 1.0, "bigram {bigram:.3}");
    assert!(gpt < bigram - 0.15, "gpt {gpt:.3} vs bigram {bigram:.3}");
}
