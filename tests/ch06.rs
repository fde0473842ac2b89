//! Chapter 6's groundwork, tested exactly: addition written with and without worked steps, the answer parser,
//! the scorers of the "is emergence a mirage?" question, and the power-law fit of scaling curves.

use jielong::data::arithmetic::{self, Addition};
use jielong::eval::{self, PowerLaw};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn addition_is_written_directly_or_one_column_at_a_time() {
    let p = Addition { a: 347, b: 85 };
    assert_eq!(p.prompt(), "347+85=");
    assert_eq!(p.direct(), "432");
    assert_eq!(p.worked(), "7+5=12,4+8+1=13,3+0+1=4;432");
    // a final carry makes a column of its own digits' sum only: 95 + 17 = 112
    assert_eq!(Addition { a: 95, b: 17 }.worked(), "5+7=12,9+1+1=11;112");
    assert_eq!(Addition { a: 0, b: 0 }.worked(), "0+0=0;0");
    assert_eq!(Addition { a: 5, b: 4 }.worked(), "5+4=9;9");
    // the longer operand sets the number of columns
    assert_eq!(
        Addition { a: 3, b: 998 }.worked(),
        "3+8=11,0+9+1=10,0+9+1=10;1001"
    );
}

#[test]
fn every_worked_answer_reads_back_as_the_sum() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for digits in 1..=6 {
        for _ in 0..200 {
            let p = Addition::sample(digits, &mut rng);
            let (lo, hi) = if digits == 1 {
                (0, 9)
            } else {
                (10u64.pow(digits - 1), 10u64.pow(digits) - 1)
            };
            assert!(
                (lo..=hi).contains(&p.a) && (lo..=hi).contains(&p.b),
                "{p:?} has {digits} digits"
            );
            assert_eq!(
                arithmetic::parse_answer(&p.worked(), true),
                Some(p.a + p.b),
                "{}",
                p.worked()
            );
            assert_eq!(
                arithmetic::parse_answer(&p.direct(), false),
                Some(p.a + p.b)
            );
            // one step per column of the longer operand
            let steps = p.worked().split(';').next().unwrap().split(',').count();
            assert_eq!(steps, p.a.max(p.b).max(1).to_string().len().max(1));
        }
    }
}

#[test]
fn the_answer_is_the_digits_after_the_last_mark() {
    assert_eq!(arithmetic::parse_answer("432\n7+5", false), Some(432));
    assert_eq!(arithmetic::parse_answer("7+5=12;4;4321x", true), Some(4321));
    // worked steps that never reached the answer give none, not the first step's digit
    assert_eq!(arithmetic::parse_answer("7+5=12,4+8", true), None);
    assert_eq!(arithmetic::parse_answer("7+5=12,4+8", false), Some(7));
    assert_eq!(arithmetic::parse_answer("", false), None);
    assert_eq!(arithmetic::parse_answer("x12", false), None);
    assert_eq!(arithmetic::parse_answer("1+2=3;", true), None);
}

#[test]
fn exact_match_is_all_or_nothing_and_the_partial_scores_are_not() {
    assert_eq!(eval::exact_match(" 432 ", "432"), 1.0);
    assert_eq!(eval::exact_match("431", "432"), 0.0);
    // one wrong digit of five
    assert_eq!(eval::exact_match("12385", "12345"), 0.0);
    assert!((eval::char_accuracy("12385", "12345") - 0.8).abs() < 1e-12);
    assert!((eval::edit_similarity("12385", "12345") - 0.8).abs() < 1e-12);
    // a dropped digit shifts every later one: position by position it is mostly wrong, by edits one away
    assert!((eval::char_accuracy("1245", "12345") - 0.4).abs() < 1e-12);
    assert!((eval::edit_similarity("1245", "12345") - 0.8).abs() < 1e-12);
    assert_eq!(eval::char_accuracy("", "12"), 0.0);
    assert_eq!(eval::edit_similarity("", ""), 1.0);
    assert_eq!(eval::edit_similarity("abc", "xyz"), 0.0);
    assert_eq!(eval::char_accuracy("12345678", "1234"), 1.0); // extra characters are not charged
    assert!((eval::edit_similarity("12345678", "1234") - 0.5).abs() < 1e-12); // but edits are
}

#[test]
fn a_power_law_is_recovered_from_its_points() {
    let law = PowerLaw {
        a: 12.0,
        k: -0.3,
        r2: 1.0,
    };
    let points: Vec<(f64, f64)> = [1e3, 1e4, 3e4, 1e5, 1e6]
        .iter()
        .map(|&x| (x, law.at(x)))
        .collect();
    let fit = eval::fit_power_law(&points).unwrap();
    assert!(
        (fit.a - 12.0).abs() < 1e-9 && (fit.k + 0.3).abs() < 1e-12,
        "{fit:?}"
    );
    assert!((fit.r2 - 1.0).abs() < 1e-12);
    // points off the line lower R²; non-positive points are left out
    let noisy = [
        (1.0, 1.0),
        (10.0, 0.5),
        (100.0, 0.4),
        (1000.0, 0.05),
        (0.0, 3.0),
        (5.0, -1.0),
    ];
    let fit = eval::fit_power_law(&noisy).unwrap();
    assert!(fit.k < 0.0 && fit.r2 < 0.95 && fit.r2 > 0.5, "{fit:?}");
    assert_eq!(eval::fit_power_law(&[(1.0, 2.0)]), None);
    assert_eq!(eval::fit_power_law(&[(3.0, 2.0), (3.0, 5.0)]), None);
}
