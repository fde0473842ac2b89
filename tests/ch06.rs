//! Chapter 6, emergent abilities. Exactly: addition written with and without worked steps and its parser, the
//! skills text's lines (string operations, code books, echoes), the scorers of the "is emergence a mirage?"
//! question, the power-law fit, the probes of in-context copying, and the chapter's config. Learning: worked
//! steps beat the answer alone on two-digit sums, and an attention-only model grows an induction head. The
//! chapter writes every chart, and a second run reads every size back.

mod common;

use jielong::chapters::ch06::{self, Ch06Config, Scores};
use jielong::data::arithmetic::{self, Addition};
use jielong::data::skills::{self, Format, SkillsConfig};
use jielong::eval::{self, PowerLaw};
use jielong::progress::ProgressMode;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

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

/// Attention maps `[1, heads, 2n, 2n]` in which head `h` of row `i` puts all its weight on `pick(h, i)`.
fn one_hot_maps(n: usize, heads: usize, pick: impl Fn(usize, usize) -> usize) -> Tensor {
    let t = 2 * n;
    let mut w = vec![0f32; heads * t * t];
    for h in 0..heads {
        for i in 0..t {
            w[(h * t + i) * t + pick(h, i)] = 1.0;
        }
    }
    Tensor::from_slice(&w).view([1, heads as i64, t as i64, t as i64])
}

#[test]
fn an_induction_head_attends_to_the_token_after_the_earlier_occurrence() {
    let n = 6;
    // head 0: the induction pattern; head 1: the previous token; head 2: the first token
    let maps = one_hot_maps(n, 3, |h, i| match h {
        0 if i >= n => i - n + 1,
        0 | 2 => 0,
        _ => i.saturating_sub(1),
    });
    let scores = eval::induction_scores(&[maps.shallow_clone(), maps], n);
    assert_eq!(
        scores,
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
        "one row per layer"
    );
    // a head that spreads its attention evenly over the causal past gives 1/(i + 1) to the target
    let t = 2 * n as i64;
    let causal = Tensor::ones([t, t], (Kind::Float, Device::Cpu)).tril(0);
    let uniform = (&causal / causal.sum_dim_intlist(-1, true, Kind::Float)).view([1, 1, t, t]);
    let expected: f64 = (n..2 * n).map(|i| 1.0 / (i + 1) as f64).sum::<f64>() / n as f64;
    let got = eval::induction_scores(&[uniform], n)[0][0];
    assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
}

#[test]
fn repeated_sequences_repeat_their_first_half() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = eval::repeated_tokens(4, 7, 5..20, &mut rng);
    assert_eq!(x.size(), [4, 14]);
    assert!(x.narrow(1, 0, 7).equal(&x.narrow(1, 7, 7)));
    let ids = Vec::<i64>::try_from(x.reshape(-1)).unwrap();
    assert!(ids.iter().all(|id| (5..20).contains(id)));
    let again = eval::repeated_tokens(4, 7, 5..20, &mut ChaCha8Rng::seed_from_u64(3));
    assert!(x.equal(&again), "seeded");
    // each row of periodic sequences repeats a segment of its own length, drawn from the range
    let rows = eval::periodic_tokens(50, 20, 3..=6, 0..1000, &mut rng);
    let mut periods = std::collections::BTreeSet::new();
    for r in 0..50 {
        let row = Vec::<i64>::try_from(rows.get(r)).unwrap();
        let p = (3..=6)
            .find(|&p| (p..20).all(|t| row[t] == row[t - p]))
            .expect("the row repeats with a period in 3..=6");
        periods.insert(p);
    }
    assert_eq!(periods.len(), 4, "every period occurs: {periods:?}");
}

/// Chapter 6's induction experiment at its default size, fewer steps: a 2-layer attention-only GPT trained
/// on random sequences that repeat learns to copy from its context, through a previous-token head in layer 0
/// and an induction head in layer 1.
#[test]
fn an_attention_only_model_grows_an_induction_head() {
    let _torch = common::torch_lock();
    let cfg = Ch06Config {
        progress: ProgressMode::Quiet,
        induction: ch06::InductionConfig {
            steps: 800,
            eval_every: 400,
            ..Default::default()
        },
        ..Ch06Config::default()
    };
    let r = ch06::induction(&cfg, tch::Device::Cpu).unwrap();
    let (first, last) = (&r.curve[0], r.curve.last().unwrap());
    assert_eq!(
        r.curve.iter().map(|p| p.step).collect::<Vec<_>>(),
        [0, 400, 800]
    );
    let ln_v = (cfg.induction.vocab as f64).ln();
    // before: both copies at the uniform guess ln 64 = 4.16
    assert!(
        (first.first_copy_loss - ln_v).abs() < 0.3 && (first.second_copy_loss - ln_v).abs() < 0.3
    );
    // after: the first copy is still a guess, the second is copied
    assert!(
        last.first_copy_loss > ln_v - 0.3,
        "{}",
        last.first_copy_loss
    );
    assert!(last.second_copy_loss < 1.0, "{}", last.second_copy_loss);
    // by a head of the second layer that attends to the token after the earlier occurrence…
    assert_eq!(r.best_head.0, 1, "{:?}", r.best_head);
    assert!(r.best_score > 0.5, "{}", r.best_score);
    // …fed by a head of the first layer that attends to the previous token
    assert!(r.previous_token_head.1 > 0.5, "{:?}", r.previous_token_head);
    // the maps drawn are the probe's: 2n × 2n rows that sum to 1
    let n = 2 * cfg.induction.probe_len;
    assert_eq!(
        (r.tokens.len(), r.induction_map.len(), r.previous_map.len()),
        (n, n, n)
    );
    for row in r.induction_map.iter().chain(&r.previous_map) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-4);
    }
}

#[test]
fn every_string_operation_does_what_its_name_says() {
    use jielong::data::skills::StringOp::*;
    let expected = [
        (Reverse, "pmal"),
        (Upper, "LAMP"),
        (Double, "lamplamp"),
        (First, "l"),
        (Last, "p"),
        (Sort, "almp"),
        (Rotate, "ampl"),
        (Spell, "l-a-m-p"),
    ];
    assert_eq!(expected.len(), skills::StringOp::ALL.len());
    for (op, out) in expected {
        assert_eq!(op.apply("lamp"), out, "{op:?}");
    }
    assert_eq!(skills::prose(Sort, "lamp"), "the sort of lamp is almp.");
    assert_eq!(skills::prose_prompt(Sort, "lamp"), "the sort of lamp is ");
    assert_eq!(skills::instruction(Rotate, "lamp"), "Q: rotate lamp A: ");
    // the held-out operations are exactly those never instructed
    let cfg = SkillsConfig::default();
    let held_out = cfg.held_out();
    assert_eq!(held_out, [Last, Sort, Rotate]);
    assert!(held_out.iter().all(|op| !cfg.instructed.contains(op)));
}

#[test]
fn sums_are_asked_for_with_or_without_their_steps() {
    let p = Addition { a: 347, b: 85 };
    assert_eq!(Format::Direct.prompt(&p), "347+85=");
    assert_eq!(Format::Direct.completion(&p), "432");
    assert_eq!(Format::Worked.prompt(&p), "347+85:");
    assert_eq!(Format::Worked.completion(&p), "7+5=12,4+8+1=13,3+0+1=4;432");
}

#[test]
fn a_code_prompt_keeps_one_book_and_says_whether_it_shows_the_query() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let entries = 4;
    let mut shown = [0usize; 6];
    for shots in 0..6 {
        for _ in 0..400 {
            let item = skills::code_prompt(shots, entries, &mut rng);
            let words: Vec<&str> = item.prompt.split(' ').collect();
            assert_eq!(words.len(), shots + 1, "{}", item.prompt);
            let query = words[shots]
                .strip_suffix(':')
                .expect("the prompt ends at the query's ':'");
            // one book: every word has one code word, the same in the examples and in the answer
            let mut book = std::collections::BTreeMap::new();
            let lookups = words[..shots].iter().map(|w| w.split_once(':').unwrap());
            for (word, code) in lookups.chain([(query, item.answer.as_str())]) {
                assert_eq!(word.len(), skills::CODE_LEN);
                assert!(word.chars().all(|c| c.is_ascii_lowercase()), "{word}");
                assert_eq!(code.len(), skills::CODE_LEN);
                assert!(code.chars().all(|c| c.is_ascii_uppercase()), "{code}");
                assert_eq!(*book.entry(word).or_insert(code), code, "{}", item.prompt);
            }
            assert!(book.len() <= entries);
            let seen = words[..shots]
                .iter()
                .any(|w| w.split_once(':').unwrap().0 == query);
            assert_eq!(item.shown, seen);
            shown[shots] += usize::from(item.shown);
        }
    }
    // a perfect reader knows a word once it was looked up: 1 − (3/4)^k
    assert_eq!(skills::ideal_code_accuracy(0, 4), 0.0);
    assert!((skills::ideal_code_accuracy(2, 4) - (1.0 - 0.75f64.powi(2))).abs() < 1e-12);
    for (shots, &count) in shown.iter().enumerate() {
        let expected = skills::ideal_code_accuracy(shots, entries);
        assert!(
            (count as f64 / 400.0 - expected).abs() < 0.07,
            "{shots} shots: {count}/400"
        );
    }
}

#[test]
fn an_echo_line_repeats_one_run_of_letters() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    for _ in 0..200 {
        let line = skills::echo(&mut rng);
        let words: Vec<&str> = line.split(' ').collect();
        let first = words[0];
        assert!((4..=12).contains(&first.len()), "{line}");
        assert!(words.len() >= 3, "at least three copies: {line}");
        assert!(
            words[..words.len() - 1].iter().all(|w| *w == first),
            "{line}"
        );
        assert!(first.starts_with(words[words.len() - 1]), "{line}");
        assert!((36..=40).contains(&line.len()), "{line}");
    }
}

#[test]
fn the_skills_text_mixes_every_kind_of_line_and_its_tokenizer_covers_it() {
    let cfg = SkillsConfig::default();
    let text = skills::text(&cfg, 20_000, 3);
    assert!(text.len() >= 20_000);
    assert_eq!(text, skills::text(&cfg, 20_000, 3), "seeded");
    let (mut direct, mut worked, mut code, mut prose, mut asked, mut echo) = (0, 0, 0, 0, 0, 0);
    for line in text.lines() {
        if let Some((problem, answer)) = line.split_once('=').filter(|(p, _)| !p.contains(':')) {
            let (a, b) = problem.split_once('+').unwrap();
            let sum: u64 = a.parse::<u64>().unwrap() + b.parse::<u64>().unwrap();
            assert_eq!(answer, sum.to_string(), "{line}");
            assert!(a.len() <= cfg.max_digits as usize);
            direct += 1;
        } else if line.contains('+') {
            let (problem, steps) = line.split_once(':').unwrap();
            let (a, b) = problem.split_once('+').unwrap();
            let p = Addition {
                a: a.parse().unwrap(),
                b: b.parse().unwrap(),
            };
            assert_eq!(steps, p.worked(), "{line}");
            worked += 1;
        } else if line.contains(':') && !line.starts_with("Q: ") {
            let lookups: Vec<(&str, &str)> = line
                .split(' ')
                .map(|w| w.split_once(':').unwrap())
                .collect();
            assert_eq!(lookups.len(), cfg.code_lookups, "{line}");
            let book: std::collections::BTreeMap<&str, &str> = lookups.iter().copied().collect();
            assert!(book.len() <= cfg.code_entries, "{line}");
            assert!(
                lookups.iter().all(|(w, c)| book[w] == *c),
                "one code word per word: {line}"
            );
            code += 1;
        } else if !line.starts_with("the ") && !line.starts_with("Q: ") {
            let first = line.split(' ').next().unwrap();
            assert!(
                line.split(' ').all(|w| first.starts_with(w)),
                "an echo: {line}"
            );
            echo += 1;
        } else if let Some(rest) = line.strip_prefix("the ") {
            let (op, rest) = rest.split_once(" of ").unwrap();
            let (word, out) = rest.split_once(" is ").unwrap();
            let op = *skills::StringOp::ALL
                .iter()
                .find(|o| o.name() == op)
                .unwrap();
            assert_eq!(format!("{}.", op.apply(word)), out, "{line}");
            prose += 1;
        } else {
            let rest = line.strip_prefix("Q: ").expect(line);
            let (op, rest) = rest.split_once(' ').unwrap();
            let (word, out) = rest.split_once(" A: ").unwrap();
            let op = *skills::StringOp::ALL
                .iter()
                .find(|o| o.name() == op)
                .unwrap();
            assert!(
                cfg.instructed.contains(&op),
                "{line}: a held-out operation was instructed"
            );
            assert_eq!(op.apply(word), out);
            assert!((cfg.word_len.0..=cfg.word_len.1).contains(&word.len()));
            asked += 1;
        }
    }
    // the mix 3 : 3 : 3 : 2 : 2 : 2, roughly
    let all = direct + worked + code + prose + asked + echo;
    for (count, weight) in [
        (direct, 3),
        (worked, 3),
        (code, 3),
        (prose, 2),
        (asked, 2),
        (echo, 2),
    ] {
        let share = count as f64 / all as f64;
        assert!(
            (share - weight as f64 / 15.0).abs() < 0.05,
            "{count} lines of weight {weight}"
        );
    }
    let tokenizer = jielong::tokenizer::Tokenizer::char_level(&skills::alphabet());
    tokenizer.encode_strict(&text).unwrap();
    assert_eq!(
        tokenizer.vocab_size(),
        skills::alphabet().chars().count() + 1
    );
}

#[test]
fn answers_are_scored_three_ways_and_averaged() {
    let s = Scores::of("12385", "12345");
    assert_eq!(s.exact, 0.0);
    assert!((s.per_char - 0.8).abs() < 1e-12 && (s.edit - 0.8).abs() < 1e-12);
    let m = Scores::mean(&[Scores::of("432", "432"), s]);
    assert!((m.exact - 0.5).abs() < 1e-12 && (m.per_char - 0.9).abs() < 1e-12);
    assert_eq!(Scores::mean(&[]), Scores::default());
}

#[test]
fn the_config_file_is_the_quick_preset_and_bad_configs_are_refused() {
    let file: Ch06Config = jielong::chapters::load_config(std::path::Path::new(
        "chapters/06-emergent-abilities/config.json",
    ))
    .unwrap();
    assert_eq!(file, Ch06Config::default());
    assert_eq!(Ch06Config::preset("quick").unwrap(), Ch06Config::default());
    let full = Ch06Config::preset("full").unwrap();
    full.validate().unwrap();
    Ch06Config::default().validate().unwrap();
    // the ladders span at least 30× in non-embedding parameters
    for cfg in [Ch06Config::default(), full] {
        let n: Vec<f64> = (cfg.sizes.iter())
            .map(|s| ch06::non_embedding_params(&s.gpt(40, 96, cfg.position)))
            .collect();
        assert!(n.len() >= 4 && n.last().unwrap() / n[0] >= 30.0, "{n:?}");
    }
    let base = Ch06Config::default;
    for (bad, named) in [
        (
            Ch06Config {
                sizes: vec![],
                ..base()
            },
            "sizes",
        ),
        (
            Ch06Config {
                sizes: vec![ch06::Size::new("A", 1, 3, 32)],
                ..base()
            },
            "size A",
        ),
        (
            Ch06Config {
                sizes: vec![
                    ch06::Size::new("A", 1, 2, 32),
                    ch06::Size::new("A", 2, 2, 32),
                ],
                ..base()
            },
            "share a label",
        ),
        (
            Ch06Config {
                abilities: ch06::AbilityConfig {
                    test_digits: 9,
                    ..Default::default()
                },
                ..base()
            },
            "block_size",
        ),
        (
            Ch06Config {
                data_scale: ch06::DataScaleConfig {
                    size: "Z".into(),
                    ..Default::default()
                },
                ..base()
            },
            "data_scale.size",
        ),
        (
            Ch06Config {
                data_scale: ch06::DataScaleConfig {
                    larger_at: vec![123],
                    ..Default::default()
                },
                ..base()
            },
            "data_scale.larger_at",
        ),
        (
            Ch06Config {
                induction: ch06::InductionConfig {
                    periods: (6, 60),
                    ..Default::default()
                },
                ..base()
            },
            "induction.periods",
        ),
    ] {
        let err = format!("{:#}", bad.validate().unwrap_err());
        assert!(err.contains(named), "{err} should name {named}");
    }
    assert_eq!(
        Ch06Config::preset("huge").unwrap_err().to_string(),
        "chapter 6 has no preset \"huge\"; available: quick, full"
    );
}

#[test]
fn the_chapter_writes_every_chart_and_a_second_run_trains_nothing() {
    let _torch = common::torch_lock();
    let dir = common::TempDir::new("ch06-run");
    let cfg = common::tiny_ch06(&dir.path);
    let first = ch06::run(&cfg).unwrap();
    assert_eq!(first.run_dir, dir.path.join("ch06"));
    let names = common::file_names(&first.run_dir);
    let charts = ch06::figures(&cfg, &first).unwrap();
    assert_eq!(charts.len(), 13);
    let promised = [
        "config.json",
        "result.json",
        "report.md",
        "A",
        "B",
        "induction",
        "data",
    ];
    for file in promised.into_iter().chain(charts.iter().map(|c| c.0)) {
        assert!(
            names.contains(&file.to_string()),
            "{file} missing from {names:?}"
        );
    }
    for size in ["A", "B"] {
        let sub = common::file_names(&first.run_dir.join(size));
        for file in [
            "config.json",
            "result.json",
            "metrics.jsonl",
            "model.safetensors",
            "abilities",
        ] {
            assert!(
                sub.contains(&file.to_string()),
                "{size}/{file} missing from {sub:?}"
            );
        }
    }
    // what each size measured: every format and digit count, every number of examples, every operation
    let rung = &first.rungs[1];
    assert_eq!(rung.abilities.addition.len(), 2 * 4);
    assert_eq!(rung.abilities.code.len(), 3);
    assert_eq!(rung.abilities.ops.len(), skills::StringOp::ALL.len());
    assert!(
        rung.abilities
            .addition
            .iter()
            .all(|a| a.trained == (a.digits <= 3))
    );
    assert!(first.rungs[0].run.non_embedding_params < rung.run.non_embedding_params);
    assert_eq!(rung.run.non_embedding_params, 12.0 * 32.0 * 32.0);
    assert!(first.rungs.iter().all(|r| !r.cached));
    assert!(first.scaling.loss_vs_params.is_some() && first.scaling.loss_vs_compute.is_some());
    let report = std::fs::read_to_string(first.run_dir.join("report.md")).unwrap();
    assert!(
        report.contains("| A | 1 × 16 |") && report.contains("induction head: layer"),
        "{report}"
    );

    // the same config again: every size is read back, with the same numbers
    let again = ch06::run(&cfg).unwrap();
    assert!(again.rungs.iter().all(|r| r.cached));
    let data_runs = |r: &ch06::Ch06Result| -> Vec<ch06::DataRun> {
        r.data_scale
            .runs
            .iter()
            .chain(&r.data_scale.larger)
            .cloned()
            .collect()
    };
    assert!(data_runs(&first).iter().all(|d| !d.cached));
    assert!(data_runs(&again).iter().all(|d| d.cached));
    assert_eq!(
        first.data_scale.loss_vs_tokens,
        again.data_scale.loss_vs_tokens
    );
    // a result from before the data experiment existed reads back with it empty
    let mut old: serde_json::Value = serde_json::to_value(&first).unwrap();
    old.as_object_mut().unwrap().remove("data_scale");
    let old: ch06::Ch06Result = serde_json::from_value(old).unwrap();
    assert_eq!(old.data_scale, ch06::DataScaleResult::default());
    for (a, b) in first.rungs.iter().zip(&again.rungs) {
        assert_eq!((&a.run, &a.abilities), (&b.run, &b.abilities));
    }
    assert_eq!(first.induction, again.induction);
    // a longer training changes every size's config: both train again
    let longer = Ch06Config {
        train: jielong::train::TrainConfig {
            steps: 30,
            ..cfg.train.clone()
        },
        ..cfg.clone()
    };
    let third = ch06::run(&longer).unwrap();
    assert!(third.rungs.iter().all(|r| !r.cached));
    assert_eq!(third.rungs[0].run.curve.last().unwrap().step, 30);
}

#[test]
fn the_chapter_program_refuses_an_unknown_preset_in_one_line() {
    assert_eq!(
        common::error_line(&common::jielong(&["chapter", "6", "--preset", "huge"])),
        "error: chapter 6 has no preset \"huge\"; available: quick, full"
    );
}

/// Chain of thought in seconds: a small GPT trained on sums alone, half written with worked steps and half
/// without, answers two-digit sums far better when it writes the steps.
#[test]
fn worked_steps_beat_the_answer_alone_on_two_digit_sums() {
    let _torch = common::torch_lock();
    let dir = common::TempDir::new("ch06-cot");
    let base = Ch06Config::default();
    let cfg = Ch06Config {
        runs_dir: dir.path.clone(),
        progress: ProgressMode::Quiet,
        skills: SkillsConfig {
            max_digits: 2,
            mix: [1, 1, 0, 0, 0, 0],
            ..SkillsConfig::default()
        },
        train_chars: 200_000,
        val_chars: 10_000,
        train: jielong::train::TrainConfig {
            steps: 2000,
            eval_every: 2000,
            eval_batches: 2,
            batch_size: 16,
            block_size: 48,
            lr: 3e-3,
            ..base.train.clone()
        },
        abilities: ch06::AbilityConfig {
            problems: 40,
            test_digits: 2,
            ..Default::default()
        },
        ..base
    };
    let data = ch06::prepare_data(&cfg).unwrap();
    let run = jielong::run::RunDir::create(&dir.path, "ch06").unwrap();
    let size = ch06::Size::new("S", 2, 4, 64);
    let (trained, _) = ch06::train_size(&cfg, &data, &size, &run, tch::Device::Cpu).unwrap();
    let (model, tokenizer) =
        jielong::checkpoint::load_model(&trained.checkpoint, tch::Device::Cpu).unwrap();
    let scores = ch06::addition_ability(&model, &tokenizer, &cfg).unwrap();
    let exact = |format, digits| {
        let s = scores
            .iter()
            .find(|s| s.format == format && s.digits == digits)
            .unwrap();
        s.scores.exact
    };
    let (worked, direct) = (exact(Format::Worked, 2), exact(Format::Direct, 2));
    // measured after 2000 steps (23 s): worked 1.000, answer alone 0.125
    assert!(
        worked >= direct + 0.5,
        "worked {worked} vs answer alone {direct}"
    );
    // one-digit sums need no steps: both formats learn them (measured 1.0 and 1.0)
    assert!(exact(Format::Direct, 1) >= 0.5 && exact(Format::Worked, 1) >= 0.5);
}

/// A size of `n_layer` × `n_embd` for the data experiment's tests.
fn data_scale_config(dir: &std::path::Path) -> Ch06Config {
    let base = Ch06Config::default();
    Ch06Config {
        runs_dir: dir.to_path_buf(),
        progress: ProgressMode::Quiet,
        train_chars: 100_000,
        val_chars: 8_000,
        sizes: vec![
            ch06::Size::new("A", 1, 2, 32),
            ch06::Size::new("B", 2, 2, 32),
        ],
        train: jielong::train::TrainConfig {
            steps: 100,
            batch_size: 8,
            warmup_steps: 5,
            eval_batches: 4,
            ..base.train.clone()
        },
        data_scale: ch06::DataScaleConfig {
            size: "A".into(),
            tokens: vec![15_360, 61_440], // 20 and 80 steps of 8 × 96 tokens
            larger: "B".into(),
            larger_at: vec![61_440],
            problems: 2,
        },
        ..base
    }
}

/// More distinct text lowers the loss of the same size; the larger size trains at the same compute on fewer
/// tokens; the result reads back from JSON; a second call trains and measures nothing.
#[test]
fn more_text_lowers_the_loss_and_a_second_call_trains_nothing() {
    let _torch = common::torch_lock();
    let dir = common::TempDir::new("ch06-data");
    let cfg = data_scale_config(&dir.path);
    cfg.validate().unwrap();
    let run = jielong::run::RunDir::create(&dir.path, "ch06").unwrap();
    let first = ch06::data_scale(&cfg, &run, tch::Device::Cpu).unwrap();
    let [few, many] = [&first.runs[0], &first.runs[1]];
    assert_eq!((few.tokens, many.tokens), (15_360, 61_440));
    assert_eq!((few.text_chars, many.text_chars), (15_360, 61_440));
    assert_eq!(many.run.curve.last().unwrap().step, 80);
    // measured: 3.886 after 15 360 tokens, 3.352 after 61 440
    assert!(
        many.run.val_loss < few.run.val_loss - 0.3,
        "{} tokens: {}, {} tokens: {}",
        few.tokens,
        few.run.val_loss,
        many.tokens,
        many.run.val_loss
    );
    // the skill is measured on every trained digit count, worked
    assert!(first.runs.iter().all(|d| d.addition.len() == 3));
    // the larger size: the same compute within one step's worth, on fewer tokens
    let [(small, large)] = first.matchups()[..] else {
        panic!("one comparison expected")
    };
    assert_eq!(small.tokens, many.tokens);
    let one_step = large.run.flops_per_token * cfg.tokens_per_step() as f64;
    assert!((large.run.flops - small.run.flops).abs() <= one_step / 2.0);
    assert!(large.tokens < small.tokens && large.run.size.label == "B");
    // every run in its own directory under data/
    let names = common::file_names(&run.path.join("data"));
    for name in ["A-15360", "A-61440", &format!("B-{}", large.text_chars)] {
        assert!(
            names.contains(&name.to_string()),
            "{name} missing from {names:?}"
        );
    }
    // JSON round trip
    let json = serde_json::to_string(&first).unwrap();
    assert_eq!(
        serde_json::from_str::<ch06::DataScaleResult>(&json).unwrap(),
        first
    );
    let report = ch06::data_scale::report(&first);
    assert!(
        report.contains("| A (") && report.contains("Lower: "),
        "{report}"
    );
    // the second call reads every run back
    let again = ch06::data_scale(&cfg, &run, tch::Device::Cpu).unwrap();
    assert!(first.runs.iter().chain(&first.larger).all(|d| !d.cached));
    assert!(again.runs.iter().chain(&again.larger).all(|d| d.cached));
    let strip = |r: &ch06::DataScaleResult| -> Vec<(f64, Vec<ch06::abilities::AdditionScore>)> {
        (r.runs.iter().chain(&r.larger))
            .map(|d| (d.run.val_loss, d.addition.clone()))
            .collect()
    };
    assert_eq!(strip(&first), strip(&again));
    // off: nothing trains and nothing is drawn
    let off = Ch06Config {
        data_scale: ch06::DataScaleConfig::off(),
        ..cfg
    };
    let none = ch06::data_scale(&off, &run, tch::Device::Cpu).unwrap();
    assert!(none.runs.is_empty() && ch06::data_scale::draw(&none).unwrap().is_empty());
    assert_eq!(ch06::data_scale::report(&none), "");
}

/// The data experiment alone at the `quick` preset, as `ch06 --quick` runs it, into `runs/ch06/data/` (with
/// its charts, `result.json` and `report.md` there): the book's numbers, without the rest of the chapter.
/// `cargo test --test ch06 -- --ignored --nocapture data_scale_at_the_quick_preset`
#[test]
#[ignore = "minutes: the book's measurement"]
fn data_scale_at_the_quick_preset() {
    let _torch = common::torch_lock();
    let cfg = Ch06Config {
        progress: ProgressMode::Lines,
        ..Ch06Config::default()
    };
    let device = jielong::chapters::prepare(cfg.device, cfg.threads, cfg.seed).unwrap();
    let run = jielong::run::RunDir::create(&cfg.runs_dir, &cfg.run_name).unwrap();
    let clock = std::time::Instant::now();
    let r = ch06::data_scale(&cfg, &run, device).unwrap();
    let data = jielong::run::RunDir::create(&run.path, "data").unwrap();
    let report = ch06::data_scale::report(&r);
    jielong::chapters::write_outputs(&data, &r, ch06::data_scale::draw(&r).unwrap(), &report)
        .unwrap();
    println!("{report}\n{:.0} s", clock.elapsed().as_secs_f64());
}
