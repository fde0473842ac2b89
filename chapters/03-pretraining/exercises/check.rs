//! Checks for chapter 3's exercises. `jielong exercises check 3.2` (or `cargo test --features student --test
//! ch03_exercises -- ex3_2`) checks your answer; without the feature the same checks run on the reference
//! solutions, so CI knows that they pass on a right answer. A test named `exN_K_…` checks exercise N.K.

jielong::exercise_answers!(attention, bpe_merge, kv_cache, rope);

use answer::attention::causal_attention;
use answer::bpe_merge::{merge_pair, most_frequent_pair};
use answer::kv_cache::append;
use answer::rope::rope;
use jielong::exercises::expect;
use jielong::model::{apply_rope, causal_attention_fused, causal_attention_manual};
use jielong::tokenizer::BpeTokenizer;
use tch::{Device, Kind, Tensor};

fn randn(shape: &[i64], seed: i64) -> Tensor {
    tch::manual_seed(seed); // each test draws its own numbers; tests of a file share libtorch's generator
    Tensor::randn(shape, (Kind::Float, Device::Cpu))
}

/// Random tensors drawn under one lock, so parallel tests do not interleave their draws.
fn random(shapes: &[&[i64]], seed: i64) -> Vec<Tensor> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    shapes
        .iter()
        .enumerate()
        .map(|(i, s)| randn(s, seed * 100 + i as i64))
        .collect()
}

fn tensor(values: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_slice(values).to_kind(Kind::Float).view(shape)
}

#[test]
fn ex3_1_two_tokens_by_hand() {
    // d = 1, so √d = 1; the second query scores the keys 0 and ln 3: weights ¼ and ¾
    let q = tensor(&[1.0, 1.0], &[1, 1, 2, 1]);
    let k = tensor(&[0.0, 3f64.ln()], &[1, 1, 2, 1]);
    let v = tensor(&[10.0, 20.0], &[1, 1, 2, 1]);
    let (out, weights) = causal_attention(&q, &k, &v);
    expect::close_all(
        "the weights for q = [1, 1], k = [0, ln 3]: the first token sees only itself, the second ¼ and ¾",
        &[1.0, 0.0, 0.25, 0.75],
        &expect::values(&weights),
        1e-6,
    );
    expect::close_all(
        "the output with values [10, 20]: 10, then ¼·10 + ¾·20",
        &[10.0, 17.5],
        &expect::values(&out),
        1e-5,
    );
}

#[test]
fn ex3_1_matches_the_librarys_attention() {
    let t = random(&[&[2, 3, 5, 8], &[2, 3, 5, 8], &[2, 3, 5, 8]], 1);
    let (out, weights) = causal_attention(&t[0], &t[1], &t[2]);
    let (lib_out, lib_weights) = causal_attention_manual(&t[0], &t[1], &t[2]);
    expect::close_tensor(
        "the weights on random q, k, v of shape [2, 3, 5, 8], against model::causal_attention_manual",
        &lib_weights,
        &weights,
        1e-6,
    );
    expect::close_tensor(
        "the output, against causal_attention_manual",
        &lib_out,
        &out,
        1e-5,
    );
    expect::close_tensor(
        "the output, against libtorch's fused kernel (model::causal_attention_fused)",
        &causal_attention_fused(&t[0], &t[1], &t[2], 0.0),
        &out,
        1e-5,
    );
}

#[test]
fn ex3_1_the_future_changes_nothing_before_it() {
    let t = random(
        &[&[1, 2, 6, 4], &[1, 2, 6, 4], &[1, 2, 6, 4], &[1, 2, 1, 4]],
        2,
    );
    let (q, k, v) = (&t[0], &t[1], &t[2]);
    let (out, _) = causal_attention(q, k, v);
    // a different last token: new key and value at position 5
    let (k2, v2) = (k.copy(), v.copy());
    k2.narrow(2, 5, 1).copy_(&t[3]);
    v2.narrow(2, 5, 1).copy_(&(&t[3] * 3.0));
    let (out2, _) = causal_attention(q, &k2, &v2);
    expect::close_tensor(
        "the outputs of positions 0–4 when only token 5's key and value change (causal: they cannot see it)",
        &out.narrow(2, 0, 5),
        &out2.narrow(2, 0, 5),
        0.0,
    );
}

#[test]
fn ex3_1_the_last_queries_see_every_earlier_key() {
    let t = random(&[&[1, 2, 2, 4], &[1, 2, 5, 4], &[1, 2, 5, 4]], 3);
    let (out, weights) = causal_attention(&t[0], &t[1], &t[2]);
    let (lib_out, lib_weights) = causal_attention_manual(&t[0], &t[1], &t[2]);
    expect::close_tensor(
        "the weights of 2 queries (positions 3 and 4) over 5 keys, against causal_attention_manual",
        &lib_weights,
        &weights,
        1e-6,
    );
    expect::close_tensor("their output", &lib_out, &out, 1e-5);
}

#[test]
fn ex3_2_position_zero_is_not_rotated() {
    let x = random(&[&[1, 2, 3, 8]], 4).remove(0);
    expect::close_tensor(
        "rope(x, 0) at position 0: a rotation by angle 0 is the identity",
        &x.narrow(2, 0, 1),
        &rope(&x, 0).narrow(2, 0, 1),
        1e-6,
    );
}

#[test]
fn ex3_2_one_pair_by_hand() {
    // d = 2: θ₀ = 1, so (1, 0) at position p becomes (cos p, sin p)
    let x = tensor(&[1.0, 0.0, 1.0, 0.0, 1.0, 0.0], &[1, 1, 3, 2]);
    let expected: Vec<f64> = (1..4)
        .flat_map(|p| [(p as f64).cos(), (p as f64).sin()])
        .collect();
    expect::close_all(
        "rope of (1, 0) at positions 1, 2, 3 (start 1, d = 2): (cos p, sin p)",
        &expected,
        &expect::values(&rope(&x, 1)),
        1e-6,
    );
}

#[test]
fn ex3_2_pairs_are_i_and_i_plus_half() {
    // d = 4: pairs (0, 2) with θ₀ = 1 and (1, 3) with θ₁ = 10000^(−1/2) = 0.01
    let x = tensor(&[1.0, 1.0, 0.0, 0.0], &[1, 1, 1, 4]);
    expect::close_all(
        "rope of (1, 1, 0, 0) at position 1, d = 4: (cos 1, cos 0.01, sin 1, sin 0.01)",
        &[1f64.cos(), 0.01f64.cos(), 1f64.sin(), 0.01f64.sin()],
        &expect::values(&rope(&x, 1)),
        1e-6,
    );
}

#[test]
fn ex3_2_matches_the_librarys_rope() {
    let x = random(&[&[2, 2, 7, 8]], 5).remove(0);
    expect::close_tensor(
        "rope(x, 5) of a random [2, 2, 7, 8], against model::apply_rope",
        &apply_rope(&x, 5),
        &rope(&x, 5),
        1e-5,
    );
}

#[test]
fn ex3_2_scores_depend_only_on_the_offset() {
    let t = random(&[&[1, 1, 1, 8], &[1, 1, 1, 8]], 6);
    let score = |p: i64, s: i64| {
        (rope(&t[0], p) * rope(&t[1], s))
            .sum(Kind::Double)
            .double_value(&[])
    };
    let unrotated = (&t[0] * &t[1]).sum(Kind::Double).double_value(&[]);
    expect::close(
        "a query at 5 and a key at 3 score the same as at 105 and 103 (offset 2 both times)",
        score(5, 3),
        score(105, 103),
        1e-4,
    );
    expect::close(
        "a query and a key at the same position score q·k, as without RoPE",
        unrotated,
        score(42, 42),
        1e-4,
    );
}

fn words(spec: &[(&str, usize)]) -> Vec<Vec<String>> {
    spec.iter()
        .flat_map(|&(w, n)| std::iter::repeat_n(w.chars().map(String::from).collect::<Vec<_>>(), n))
        .collect()
}

fn pair(a: &str, b: &str) -> Option<(String, String)> {
    Some((a.to_string(), b.to_string()))
}

/// The Hugging Face course's example: hug ×10, pug ×5, pun ×12, bun ×4, hugs ×5.
const HUGS: [(&str, usize); 5] = [
    ("hug", 10),
    ("pug", 5),
    ("pun", 12),
    ("bun", 4),
    ("hugs", 5),
];

#[test]
fn ex3_3_three_merges_by_hand() {
    let w = words(&HUGS);
    expect::equal(
        "the most frequent pair of hug×10 pug×5 pun×12 bun×4 hugs×5: u g occurs 10 + 5 + 5 = 20 times",
        pair("u", "g"),
        most_frequent_pair(&w),
    );
    let w = merge_pair(&w, &("u".into(), "g".into()));
    expect::equal(
        "\"hugs\" after merging (u, g)",
        vec!["h".to_string(), "ug".into(), "s".into()],
        w.last().cloned().unwrap_or_default(),
    );
    expect::equal(
        "the next pair: u n, 12 + 4 = 16 times",
        pair("u", "n"),
        most_frequent_pair(&w),
    );
    let w = merge_pair(&w, &("u".into(), "n".into()));
    expect::equal(
        "the third: h ug, 10 + 5 = 15 times",
        pair("h", "ug"),
        most_frequent_pair(&w),
    );
}

#[test]
fn ex3_3_ties_go_to_the_first_pair_and_singletons_are_not_merged() {
    expect::equal(
        "most_frequent_pair of ab ×2, cd ×2: a tie, (a, b) was seen first",
        pair("a", "b"),
        most_frequent_pair(&words(&[("ab", 2), ("cd", 2)])),
    );
    expect::equal(
        "most_frequent_pair of abc, de: every pair occurs once, nothing to merge",
        None,
        most_frequent_pair(&words(&[("abc", 1), ("de", 1)])),
    );
    let merged = merge_pair(&words(&[("aaa", 1)]), &("a".into(), "a".into()));
    expect::equal(
        "merge_pair(a a a, (a, a)): left to right, no overlap",
        vec![vec!["aa".to_string(), "a".into()]],
        merged,
    );
}

#[test]
fn ex3_3_your_merges_are_the_librarys() {
    // one word per line, so the tokenizer's words are exactly ours
    let text: String = HUGS
        .iter()
        .flat_map(|&(w, n)| std::iter::repeat_n(format!("{w}\n"), n))
        .collect();
    let tokenizer = BpeTokenizer::train(&text, 256 + jielong::tokenizer::SPECIAL_TOKENS.len() + 3)
        .expect("BPE trains on the small text");
    let library: Vec<(String, String)> = tokenizer.merges().into_iter().take(3).collect();
    let mut w = words(&HUGS);
    let mut yours = Vec::new();
    for _ in 0..3 {
        let Some(p) = most_frequent_pair(&w) else {
            break;
        };
        w = merge_pair(&w, &p);
        yours.push(p);
    }
    expect::equal(
        "the first three merges on hug×10 pug×5 pun×12 bun×4 hugs×5, against BpeTokenizer::train's",
        library,
        yours,
    );
}

#[test]
fn ex3_4_appends_along_time() {
    let k1 = tensor(&[1.0, 2.0], &[1, 1, 1, 2]);
    let v1 = tensor(&[3.0, 4.0], &[1, 1, 1, 2]);
    let (k, v) = append(None, &k1, &v1);
    expect::close_all(
        "append(None, k = [[1, 2]], …): the new keys alone",
        &[1.0, 2.0],
        &expect::values(&k),
        0.0,
    );
    expect::close_all(
        "…and the new values alone",
        &[3.0, 4.0],
        &expect::values(&v),
        0.0,
    );
    let k2 = tensor(&[5.0, 6.0], &[1, 1, 1, 2]);
    let v2 = tensor(&[7.0, 8.0], &[1, 1, 1, 2]);
    let (k, v) = append(Some((k, v)), &k2, &v2);
    expect::equal(
        "the shape of two cached tokens' keys",
        vec![1, 1, 2, 2],
        k.size(),
    );
    expect::close_all(
        "the keys: the cached token first, then the new one",
        &[1.0, 2.0, 5.0, 6.0],
        &expect::values(&k),
        0.0,
    );
    expect::close_all(
        "the values, in the same order",
        &[3.0, 4.0, 7.0, 8.0],
        &expect::values(&v),
        0.0,
    );
}

#[test]
fn ex3_4_decoding_with_your_cache_equals_full_attention() {
    let t = random(&[&[2, 2, 7, 4], &[2, 2, 7, 4], &[2, 2, 7, 4]], 7);
    let (q, k, v) = (&t[0], &t[1], &t[2]);
    let (full, _) = causal_attention_manual(q, k, v);
    let mut cache: Option<(Tensor, Tensor)> = None;
    let mut steps = Vec::new();
    for i in 0..7 {
        let (all_k, all_v) = append(cache.take(), &k.narrow(2, i, 1), &v.narrow(2, i, 1));
        let (out, _) = causal_attention_manual(&q.narrow(2, i, 1), &all_k, &all_v);
        steps.push(out);
        cache = Some((all_k, all_v));
    }
    expect::close_tensor(
        "7 tokens read one at a time through your cache, against attention over the whole sequence",
        &full,
        &Tensor::cat(&steps, 2),
        1e-5,
    );
}
