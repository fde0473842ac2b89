//! Exercise 3.2, a solution.

use tch::{Kind, Tensor};

/// RoPE of `x: [B, H, T, d]` (`d` even) whose first row sits at position `start`; same shape.
pub fn rope(x: &Tensor, start: i64) -> Tensor {
    let (t, d) = (x.size()[2], x.size()[3]);
    let half = d / 2;
    let options = (Kind::Float, x.device());
    let theta = (Tensor::arange(half, options) * (-2.0 * 10000f64.ln() / d as f64)).exp(); // θᵢ
    let positions = Tensor::arange_start(start, start + t, options);
    let angles = positions.unsqueeze(1) * theta.unsqueeze(0); // [T, d/2]: p · θᵢ
    let (cos, sin) = (angles.cos(), angles.sin());
    let (x1, x2) = (x.narrow(-1, 0, half), x.narrow(-1, half, half));
    Tensor::cat(&[&x1 * &cos - &x2 * &sin, &x1 * &sin + &x2 * &cos], -1)
}
