//! Checks for chapter 6's exercises. `jielong exercises check 6.1` (or `cargo test --features student --test
//! ch06_exercises -- ex6_1`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(edit_similarity, induction, power_law, scoring);

#[path = "../../../tests/common/mod.rs"]
mod common;

use answer::edit_similarity::edit_similarity;
use answer::induction::induction_score;
use answer::power_law::fit_power_law;
use answer::scoring::{char_accuracy, exact_match};
use jielong::eval;
use jielong::exercises::expect;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

#[test]
fn ex6_1_points_on_a_power_law_give_it_back() {
    let points: Vec<(f64, f64)> = [1e3, 1e4, 1e5, 1e6]
        .iter()
        .map(|&x: &f64| (x, 2.0 * x.powf(-0.5)))
        .collect();
    let fit = fit_power_law(&points);
    let (a, k) = fit.unwrap_or_else(|| panic!("fit_power_law of four points on y = 2·x^(−0.5)\n    expected Some((2, −0.5))\n    got None"));
    expect::close(
        "the exponent k of four points on y = 2·x^(−0.5)",
        -0.5,
        k,
        1e-9,
    );
    expect::close("the scale a of the same points", 2.0, a, 1e-9);
}

#[test]
fn ex6_1_unusable_points_are_left_out_and_no_line_is_none() {
    let (a, k) = fit_power_law(&[
        (0.0, 5.0),
        (10.0, 30.0),
        (-1.0, 2.0),
        (100.0, 300.0),
        (1000.0, 0.0),
    ])
    .unwrap_or((f64::NAN, f64::NAN));
    expect::close(
        "k of (10, 30) and (100, 300) once (0, 5), (−1, 2), (1000, 0) are left out: y = 3x",
        1.0,
        k,
        1e-9,
    );
    expect::close("a of the same fit", 3.0, a, 1e-9);
    expect::equal(
        "fit_power_law of one point",
        None,
        fit_power_law(&[(10.0, 3.0)]),
    );
    expect::equal(
        "fit_power_law of points that all have x = 10",
        None,
        fit_power_law(&[(10.0, 3.0), (10.0, 4.0)]),
    );
}

#[test]
fn ex6_1_matches_the_librarys_fit_on_noisy_ladders() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for case in 0..50 {
        let points: Vec<(f64, f64)> = (0..rng.random_range(2..7))
            .map(|i| {
                let n = 1e4 * 3f64.powi(i) * rng.random_range(0.8..1.2);
                (n, 9.0 * n.powf(-0.12) * rng.random_range(0.95..1.05))
            })
            .collect();
        let library = eval::fit_power_law(&points).map(|p| (p.a, p.k));
        let (Some((la, lk)), Some((a, k))) = (library, fit_power_law(&points)) else {
            panic!(
                "case {case}: fit_power_law({points:?})\n    expected {library:?}\n    got {:?}",
                fit_power_law(&points)
            );
        };
        expect::close(
            &format!("case {case}: k of {points:.4?}, against eval::fit_power_law"),
            lk,
            k,
            1e-9,
        );
        expect::close(
            &format!("case {case}: a of the same points"),
            la,
            a,
            1e-9 * la.abs(),
        );
    }
}

/// The book's exercise: the target 12218 and four answers.
const ANSWERS: [&str; 5] = ["12218", "1220", "12281", "1218", ""];

#[test]
fn ex6_2_the_books_answers_by_hand() {
    for (answer, exact, chars) in [
        ("12218", 1.0, 1.0),
        ("1220", 0.0, 0.6),
        ("12281", 0.0, 0.6),
        ("1218", 0.0, 0.4),
        ("", 0.0, 0.0),
    ] {
        expect::close(
            &format!("exact_match({answer:?}, \"12218\")"),
            exact,
            exact_match(answer, "12218"),
            0.0,
        );
        expect::close(
            &format!("char_accuracy({answer:?}, \"12218\")"),
            chars,
            char_accuracy(answer, "12218"),
            1e-12,
        );
    }
    expect::close(
        "exact_match(\" 12218\\n\", \"12218\"): the ends are trimmed",
        1.0,
        exact_match(" 12218\n", "12218"),
        0.0,
    );
    expect::close(
        "char_accuracy(\"文字接力\", \"文字接龙\"): characters, not bytes — 3 of 4",
        0.75,
        char_accuracy("文字接力", "文字接龙"),
        1e-12,
    );
    expect::close(
        "char_accuracy(\"\", \"\"): an empty target scores as exact match",
        1.0,
        char_accuracy("", ""),
        0.0,
    );
}

#[test]
fn ex6_2_matches_the_library() {
    let targets = ["12218", "4471", "文字接龙", "reverse: olleh", ""];
    let answers = [
        "12218",
        "1221",
        "4471 ",
        "447",
        "文字",
        "文字接龙了",
        "reverse: hello",
        " ",
        "x",
    ];
    for target in targets {
        for answer in answers.iter().chain(&ANSWERS) {
            let what = format!("({answer:?}, {target:?})");
            expect::close(
                &format!("exact_match{what}, against eval::exact_match"),
                eval::exact_match(answer, target),
                exact_match(answer, target),
                0.0,
            );
            expect::close(
                &format!("char_accuracy{what}, against eval::char_accuracy"),
                eval::char_accuracy(answer, target),
                char_accuracy(answer, target),
                1e-12,
            );
        }
    }
}

#[test]
fn ex6_3_the_books_answers_by_hand() {
    for (answer, expected, why) in [
        ("12218", 1.0, "identical"),
        ("1218", 0.8, "one deletion in five"),
        ("1220", 0.6, "a deletion and a substitution"),
        ("12281", 0.6, "two substitutions"),
        ("", 0.0, "five insertions"),
    ] {
        expect::close(
            &format!("edit_similarity({answer:?}, \"12218\"): {why}"),
            expected,
            edit_similarity(answer, "12218"),
            1e-12,
        );
    }
    expect::close(
        "edit_similarity(\"\", \"\")",
        1.0,
        edit_similarity("", ""),
        0.0,
    );
    expect::close(
        "edit_similarity(\"文字接龙\", \"文字龙\"): one deletion in four characters",
        0.75,
        edit_similarity("文字接龙", "文字龙"),
        1e-12,
    );
}

#[test]
fn ex6_3_matches_the_library_on_random_answers() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let alphabet: Vec<char> = "0123 ab文字".chars().collect();
    let word = |rng: &mut ChaCha8Rng| -> String {
        (0..rng.random_range(0..8))
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect()
    };
    for _ in 0..300 {
        let (answer, target) = (word(&mut rng), word(&mut rng));
        expect::close(
            &format!("edit_similarity({answer:?}, {target:?}), against eval::edit_similarity"),
            eval::edit_similarity(&answer, &target),
            edit_similarity(&answer, &target),
            1e-12,
        );
    }
}

/// A `[1, 2, 2n, 2n]` attention map whose head 0 attends from every row `i` to `key(i)` (clamped to the
/// visible keys) and whose head 1 spreads evenly over the visible keys.
fn hand_map(n: i64, key: impl Fn(i64) -> i64) -> Tensor {
    let t = 2 * n;
    let mut values = vec![0.0f32; (2 * t * t) as usize];
    for i in 0..t {
        values[(i * t + key(i).clamp(0, i)) as usize] = 1.0;
        for j in 0..=i {
            values[(t * t + i * t + j) as usize] = 1.0 / (i + 1) as f32;
        }
    }
    Tensor::from_slice(&values).view([1, 2, t, t])
}

#[test]
fn ex6_4_a_perfect_head_scores_one_and_a_previous_token_head_zero() {
    let n = 4;
    let uniform: f64 = (n..2 * n).map(|i| 1.0 / (i + 1) as f64).sum::<f64>() / n as f64;
    expect::close_all(
        "induction_score of a head that attends from i to i − n + 1 (n = 4), and of a head spread evenly over the visible keys",
        &[1.0, uniform],
        &induction_score(&hand_map(n, |i| i - n + 1), n as usize),
        1e-6,
    );
    expect::close_all(
        "induction_score of a previous-token head (i → i − 1), and of the even head",
        &[0.0, uniform],
        &induction_score(&hand_map(n, |i| i - 1), n as usize),
        1e-6,
    );
}

#[test]
fn ex6_4_matches_the_library_on_a_gpts_attention_maps() {
    let _torch = common::torch_lock();
    let (model, _, _) = common::trained_tiny_gpt(20);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let n = 8;
    let tokens = eval::repeated_tokens(3, n, 0..30, &mut rng);
    let maps = tch::no_grad(|| model.attention_maps(&tokens));
    let library = eval::induction_scores(&maps, n);
    for (layer, map) in maps.iter().enumerate() {
        expect::close_all(
            &format!(
                "the induction scores of layer {layer}'s heads of a tiny GPT on 3 random sequences written twice (n = 8), against eval::induction_scores"
            ),
            &library[layer],
            &induction_score(&map.to_kind(Kind::Float).to_device(Device::Cpu), n),
            1e-6,
        );
    }
}
