//! Three libtorch calls the `tch` crate does not bind, from `libtorch_ops.cpp` (compiled by `build.rs`):
//! libtorch's fused AdamW kernel (`torch.optim.AdamW(fused=True)`), forgetting a gradient
//! (`zero_grad(set_to_none=True)`, PyTorch's default), and choosing whether attention may use cuDNN.

use anyhow::{Result, bail};
use std::ffi::{CStr, c_char, c_void};
use tch::Tensor;

unsafe extern "C" {
    fn jielong_fused_adamw(
        params: *const *mut c_void,
        grads: *const *mut c_void,
        exp_avgs: *const *mut c_void,
        exp_avg_sqs: *const *mut c_void,
        n: i32,
        step: f64,
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
        eps: f64,
    ) -> *const c_char;
    fn jielong_forget_grad(param: *mut c_void) -> *const c_char;
    fn jielong_set_cudnn_attention(enabled: bool) -> *const c_char;
}

/// The handles libtorch_ops.cpp reads as `at::Tensor*`.
fn handles(tensors: &[Tensor]) -> Vec<*mut c_void> {
    tensors.iter().map(|t| t.as_ptr() as *mut c_void).collect()
}

/// A C++ exception's message, or nothing.
fn checked(error: *const c_char) -> Result<()> {
    if error.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null return is a NUL-terminated message owned by the C++ side until its next call.
    bail!(
        "libtorch: {}",
        unsafe { CStr::from_ptr(error) }.to_string_lossy()
    )
}

/// The hyper-parameters of one fused AdamW step.
#[derive(Clone, Copy, Debug)]
pub struct AdamWStep {
    /// The optimizer step, counted from 1 (the bias corrections use it).
    pub t: i32,
    /// Learning rate.
    pub lr: f64,
    /// Decay rates of the two running averages.
    pub beta1: f64,
    /// See `beta1`.
    pub beta2: f64,
    /// Decoupled weight decay λ for every tensor of this call.
    pub weight_decay: f64,
    /// Added to the denominator.
    pub eps: f64,
}

/// One AdamW update of `params` in place, with their gradients `grads` and running averages `m`, `v`
/// (updated in place too), by libtorch's fused kernel: the same update as the written-out
/// [`AdamW::step`](super::AdamW) up to float rounding, in one pass over each tensor.
pub fn fused_adamw_(
    params: &[Tensor],
    grads: &[Tensor],
    m: &[Tensor],
    v: &[Tensor],
    s: AdamWStep,
) -> Result<()> {
    let n = params.len();
    assert!(
        grads.len() == n && m.len() == n && v.len() == n,
        "one gradient, m and v per parameter"
    );
    let (p, g, m, v) = (handles(params), handles(grads), handles(m), handles(v));
    // SAFETY: four arrays of n live tensor handles; the C++ side catches its exceptions.
    checked(unsafe {
        jielong_fused_adamw(
            p.as_ptr(),
            g.as_ptr(),
            m.as_ptr(),
            v.as_ptr(),
            n as i32,
            s.t as f64,
            s.lr,
            s.beta1,
            s.beta2,
            s.weight_decay,
            s.eps,
        )
    })
}

/// Forget `param`'s gradient, so the next backward pass writes a new one instead of adding to zeros.
pub fn forget_grad(param: &Tensor) {
    // SAFETY: a live tensor handle; resetting an undefined gradient is harmless.
    checked(unsafe { jielong_forget_grad(param.as_ptr() as *mut c_void) })
        .expect("forgetting a gradient cannot fail");
}

/// Let `scaled_dot_product_attention` on a GPU use cuDNN's attention kernels (`true`, libtorch's default) or
/// leave it to the flash and memory-efficient kernels (`false`, what [`DeviceChoice::resolve`] sets for a
/// GPU). Measured on an H200: generation in bf16 ran at 26 tokens/s for a 4 × 128 and a 6 × 256 GPT alike,
/// about 38 ms per token whatever the model's size, where fp32 generated 1,524 and 885. cuDNN's attention
/// serves fp16 and bf16 only and builds an execution plan for each new shape of its inputs, and generation
/// meets a new sequence length at every token: the likely cause, not yet confirmed on a GPU (compare with
/// `cargo bench --bench throughput -- cuda --generation-precision bf16 [--cudnn-attention]`).
///
/// [`DeviceChoice::resolve`]: crate::device::DeviceChoice::resolve
pub fn set_cudnn_attention(enabled: bool) {
    // SAFETY: sets one flag of libtorch's global context.
    checked(unsafe { jielong_set_cudnn_attention(enabled) }).expect("setting a flag cannot fail");
}
