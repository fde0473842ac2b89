//! Assertions for the exercises' checks that say, in plain words, what was expected on which input and what
//! came back. A failed check panics with that message; `jielong exercises check` prints it.

use std::fmt::Debug;
use tch::{Kind, Tensor};

/// Fail with a message in three parts: what was checked, the expected value, the value the answer gave.
fn fail(what: &str, expected: impl Debug, got: impl Debug, tolerance: Option<f64>) -> ! {
    let within = tolerance.map_or(String::new(), |t| format!(" (within ±{t:e})"));
    panic!("{what}\n    expected{within}: {expected:?}\n    got: {got:?}")
}

/// `got` must equal `expected`.
pub fn equal<T: PartialEq + Debug>(what: &str, expected: T, got: T) {
    if expected != got {
        fail(what, expected, got, None);
    }
}

/// `got` must be within `tolerance` of `expected` (and NaN only where NaN is expected).
pub fn close(what: &str, expected: f64, got: f64, tolerance: f64) {
    let same_nan = expected.is_nan() && got.is_nan();
    if !(same_nan || (expected - got).abs() <= tolerance || expected == got) {
        fail(what, expected, got, Some(tolerance));
    }
}

/// Every entry of `got` within `tolerance` of `expected`, and as many.
pub fn close_all(what: &str, expected: &[f64], got: &[f64], tolerance: f64) {
    let off = expected.len() != got.len()
        || expected
            .iter()
            .zip(got)
            .any(|(e, g)| !((e - g).abs() <= tolerance || e == g));
    if off {
        fail(what, expected, got, Some(tolerance));
    }
}

/// A tensor's numbers as a flat list (for messages and comparisons).
pub fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default()
}

/// `got` has `expected`'s shape and every entry within `tolerance` of it. Small tensors are printed whole,
/// large ones by their largest difference.
pub fn close_tensor(what: &str, expected: &Tensor, got: &Tensor, tolerance: f64) {
    if expected.size() != got.size() {
        panic!(
            "{what}\n    expected a tensor of shape {:?}\n    got shape {:?}",
            expected.size(),
            got.size()
        );
    }
    let (e, g) = (values(expected), values(got));
    let worst = e
        .iter()
        .zip(&g)
        .map(|(a, b)| if a == b { 0.0 } else { (a - b).abs() })
        .fold(
            0.0,
            |m: f64, d| if d.is_nan() { f64::INFINITY } else { m.max(d) },
        );
    if worst > tolerance {
        if e.len() <= 24 {
            fail(what, e, g, Some(tolerance));
        }
        panic!(
            "{what}\n    expected the tensor of shape {:?} within ±{tolerance:e}\n    got entries off by up to {worst:e}",
            expected.size()
        );
    }
}

/// A scalar tensor's value (the loss functions return one).
pub fn scalar(what: &str, t: &Tensor) -> f64 {
    if t.numel() != 1 {
        panic!(
            "{what}\n    expected a single number (a tensor of shape [])\n    got shape {:?}",
            t.size()
        );
    }
    t.to_kind(Kind::Double).double_value(&[])
}
