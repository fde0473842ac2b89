//! Checks for chapter 1's exercises. `jielong exercises check 1.4` (or `cargo test --features student --test
//! ch01_exercises -- ex1_4`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(
    bigram_counts,
    min_p,
    repetition_penalty,
    softmax_temperature,
    top_p
);

#[path = "../../../tests/common/mod.rs"]
mod common;

use answer::bigram_counts::{bigram_probabilities, cross_entropy};
use answer::min_p::min_p_filter;
use answer::repetition_penalty::apply_repetition_penalty;
use answer::softmax_temperature::softmax_with_temperature;
use answer::top_p::top_p_filter;
use jielong::exercises::expect;
use jielong::generate::{self, SamplingConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn ex1_1_keeps_tokens_above_the_scaled_maximum() {
    let mut probs = vec![0.5, 0.3, 0.1, 0.06, 0.04];
    min_p_filter(&mut probs, 0.2); // threshold 0.1: keeps 0.5, 0.3, 0.1
    expect::close_all(
        "min_p_filter([0.5, 0.3, 0.1, 0.06, 0.04], 0.2): the threshold is 0.2 × 0.5 = 0.1",
        &[0.5 / 0.9, 0.3 / 0.9, 0.1 / 0.9, 0.0, 0.0],
        &probs,
        1e-9,
    );
}

#[test]
fn ex1_1_zero_keeps_everything_and_one_keeps_the_top() {
    let mut all = vec![0.7, 0.2, 0.1];
    min_p_filter(&mut all, 0.0);
    expect::close_all(
        "min_p_filter([0.7, 0.2, 0.1], 0.0)",
        &[0.7, 0.2, 0.1],
        &all,
        1e-9,
    );
    let mut top = vec![0.2, 0.7, 0.1];
    min_p_filter(&mut top, 1.0);
    expect::close_all(
        "min_p_filter([0.2, 0.7, 0.1], 1.0)",
        &[0.0, 1.0, 0.0],
        &top,
        1e-9,
    );
}

#[test]
fn ex1_2_divides_positive_and_multiplies_negative_logits() {
    let mut logits = vec![2.0, -1.0, 3.0, 0.5];
    apply_repetition_penalty(&mut logits, &[0, 1, 0, 0], 2.0);
    expect::equal(
        "apply_repetition_penalty([2, −1, 3, 0.5], context [0, 1, 0, 0], 2): token 0 (seen three times) once",
        vec![1.0, -2.0, 3.0, 0.5],
        logits,
    );
}

#[test]
fn ex1_2_a_penalty_of_one_changes_nothing() {
    let mut logits = vec![2.0, -1.0, 3.0];
    apply_repetition_penalty(&mut logits, &[0, 1, 2], 1.0);
    expect::equal(
        "apply_repetition_penalty([2, −1, 3], context [0, 1, 2], 1)",
        vec![2.0, -1.0, 3.0],
        logits,
    );
}

#[test]
fn ex1_3_probabilities_are_conditional_frequencies() {
    // text "abab a" as ids: a=0 b=1 ' '=2 → pairs a→b, b→a, a→b, b→' ', ' '→a
    let ids = [0, 1, 0, 1, 2, 0];
    let p = bigram_probabilities(&ids, 3, 0.0);
    expect::equal("the table has one row per token", 3, p.len());
    let what = "bigram_probabilities([0, 1, 0, 1, 2, 0], 3, 0.0)";
    expect::close_all(
        &format!("{what}, row 0 (after a)"),
        &[0.0, 1.0, 0.0],
        &p[0],
        1e-9,
    );
    expect::close_all(
        &format!("{what}, row 1 (after b)"),
        &[0.5, 0.0, 0.5],
        &p[1],
        1e-9,
    );
    expect::close_all(
        &format!("{what}, row 2 (after ' ')"),
        &[1.0, 0.0, 0.0],
        &p[2],
        1e-9,
    );
}

#[test]
fn ex1_3_smoothing_adds_to_every_count() {
    let p = bigram_probabilities(&[0, 1], 2, 1.0); // row 0: counts 1+0, 1+1
    expect::close_all(
        "bigram_probabilities([0, 1], 2, 1.0), row 0",
        &[1.0 / 3.0, 2.0 / 3.0],
        &p[0],
        1e-9,
    );
    expect::close_all(
        "bigram_probabilities([0, 1], 2, 1.0), row 1",
        &[0.5, 0.5],
        &p[1],
        1e-9,
    );
}

#[test]
fn ex1_3_cross_entropy_matches_hand_computation() {
    let ids = [0, 1, 0, 1, 2, 0];
    let p = bigram_probabilities(&ids, 3, 0.0);
    // pairs: a→b (p=1), b→a (½), a→b (1), b→' ' (½), ' '→a (1)
    let expected = (2.0 * 2f64.ln()) / 5.0;
    expect::close(
        "cross_entropy on [0, 1, 0, 1, 2, 0]: five pairs, two of them with p = ½",
        expected,
        cross_entropy(&p, &ids),
        1e-12,
    );
}

#[test]
fn ex1_3_counting_beats_the_uniform_guess_on_the_world() {
    let (tokenizer, split) = common::tiny_data();
    let ids: Vec<i64> = Vec::try_from(&split.train).expect("token ids");
    let val: Vec<i64> = Vec::try_from(&split.val).expect("token ids");
    let v = tokenizer.vocab_size();
    let p = bigram_probabilities(&ids, v, 0.1);
    for (a, row) in p.iter().enumerate() {
        expect::close(
            &format!("row {a} of the smoothed table sums to 1"),
            1.0,
            row.iter().sum(),
            1e-9,
        );
    }
    let loss = cross_entropy(&p, &val);
    assert!(
        loss < 0.75 * (v as f64).ln(),
        "the counted bigram's validation loss on the tiny world should be far below ln V = {:.3}; got {loss:.3}",
        (v as f64).ln()
    );
}

#[test]
fn ex1_4_temperature_one_by_hand() {
    let z = [2.0f32, 1.0, 0.0];
    let sum = 2f64.exp() + 1f64.exp() + 1.0;
    expect::close_all(
        "softmax_with_temperature([2, 1, 0], 1.0) = (e², e, 1) / (e² + e + 1)",
        &[2f64.exp() / sum, 1f64.exp() / sum, 1.0 / sum],
        &softmax_with_temperature(&z, 1.0),
        1e-9,
    );
}

#[test]
fn ex1_4_matches_the_library_at_every_temperature() {
    let z = [2.0f32, 1.0, 0.0, -1.5, 0.25];
    for t in [0.5, 1.0, 2.0, 10.0] {
        expect::close_all(
            &format!(
                "softmax_with_temperature([2, 1, 0, −1.5, 0.25], {t}) against generate::softmax_with_temperature"
            ),
            &generate::softmax_with_temperature(&z, t),
            &softmax_with_temperature(&z, t),
            1e-9,
        );
    }
}

#[test]
fn ex1_4_large_logits_do_not_overflow() {
    let p = softmax_with_temperature(&[1000.0, 999.0], 1.0);
    let e = 1.0 / (1.0 + (-1f64).exp());
    expect::close_all(
        "softmax_with_temperature([1000, 999], 1.0): exp(1000) overflows unless the largest logit is subtracted first",
        &[e, 1.0 - e],
        &p,
        1e-9,
    );
}

#[test]
fn ex1_4_reproduces_a_models_next_token_distribution() {
    let _torch = common::torch_lock();
    let (model, tokenizer, _) = common::trained_tiny_gpt(30);
    let logits = generate::next_logits(&model, &tokenizer.encode("Bide Kurur's pet is a "));
    expect::close_all(
        "the distribution of the tiny trained GPT after \"Bide Kurur's pet is a \" at T = 0.8",
        &generate::softmax_with_temperature(&logits, 0.8),
        &softmax_with_temperature(&logits, 0.8),
        1e-9,
    );
}

#[test]
fn ex1_5_filters_by_hand() {
    let probs = [0.5, 0.2, 0.15, 0.1, 0.05];
    let mut p = probs;
    top_p_filter(&mut p, 0.8); // 0.5 + 0.2 + 0.15 = 0.85 ≥ 0.8
    expect::close_all(
        "top_p_filter([0.5, 0.2, 0.15, 0.1, 0.05], 0.8): keeps 0.5, 0.2, 0.15 (total 0.85)",
        &[0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0.0, 0.0],
        &p,
        1e-9,
    );
    let mut p = probs;
    top_p_filter(&mut p, 0.5);
    expect::close_all(
        "top_p_filter([0.5, 0.2, 0.15, 0.1, 0.05], 0.5): the top token alone reaches 0.5",
        &[1.0, 0.0, 0.0, 0.0, 0.0],
        &p,
        1e-9,
    );
    let mut p = probs;
    top_p_filter(&mut p, 1.0);
    expect::close_all("top_p_filter(…, 1.0) changes nothing", &probs, &p, 1e-12);
}

#[test]
fn ex1_5_keeps_the_lower_id_among_ties() {
    let mut p = [0.25, 0.25, 0.25, 0.25];
    top_p_filter(&mut p, 0.5);
    expect::close_all(
        "top_p_filter([0.25, 0.25, 0.25, 0.25], 0.5): two tokens reach 0.5, the lower ids first",
        &[0.5, 0.5, 0.0, 0.0],
        &p,
        1e-9,
    );
}

#[test]
fn ex1_5_your_sampler_writes_the_librarys_text() {
    let _torch = common::torch_lock();
    let (model, tokenizer, _) = common::trained_tiny_gpt(30);
    let prompt = tokenizer.encode("Bide Kurur's pet is a ");
    let cfg = SamplingConfig {
        temperature: 0.9,
        top_k: 0,
        top_p: 0.8,
        seed: 3,
        max_new_tokens: 40,
        stop: Vec::new(),
    };
    let expected =
        generate::generate_tokens(&model, &prompt, &cfg, false).expect("the tiny model generates");
    // the same loop, with your filter in place of the library's
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut context = prompt.clone();
    for _ in 0..cfg.max_new_tokens {
        let mut probs = generate::softmax_with_temperature(
            &generate::next_logits(&model, &context),
            cfg.temperature,
        );
        top_p_filter(&mut probs, cfg.top_p);
        context.push(generate::draw(&probs, &mut rng) as i64);
    }
    expect::equal(
        "40 tokens sampled with top_p 0.8 from the tiny trained GPT, seed 3: your filter's text against the library's",
        tokenizer.decode(&expected),
        tokenizer.decode(&context[prompt.len()..]),
    );
}
