//! Exercise 4.3, a solution.

use tch::Tensor;

/// `x Wᵀ + scale · x Aᵀ Bᵀ` for `x: [.., d_in]`, `w: [d_out, d_in]`, `a: [r, d_in]`, `b: [d_out, r]`.
pub fn lora_forward(x: &Tensor, w: &Tensor, a: &Tensor, b: &Tensor, scale: f64) -> Tensor {
    x.matmul(&w.tr()) + x.matmul(&a.tr()).matmul(&b.tr()) * scale
}
