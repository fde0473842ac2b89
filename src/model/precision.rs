//! Mixed precision: the matrix products in bfloat16 while the weights stay fp32, as `torch.autocast` does.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

/// The precision of the matrix products while training (the weights are fp32 either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// bf16 on CUDA, where tensor cores make it several times faster; fp32 on the CPU, so that CPU results
    /// are the same on every machine.
    #[default]
    Auto,
    /// fp32 everywhere.
    Fp32,
    /// bf16 everywhere. On a CPU with native bf16 (AVX-512 BF16 or AMX; `jielong doctor` says) it is the
    /// fast path for training (measured on 2 cores of a Xeon with AMX: 5,274 against 3,835 tokens/s for a
    /// 6 × 256 GPT, `make bench`), but not for generating one token at a time; without native bf16 it gains
    /// nothing.
    Bf16,
}

impl Precision {
    /// The tensor kind of the matrix products on `device`.
    pub fn kind_on(self, device: Device) -> Kind {
        match self {
            Precision::Auto if device.is_cuda() => Kind::BFloat16,
            Precision::Auto | Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
    }
}

// ANCHOR: linear_in
/// A linear layer whose matrix product runs in `kind`. With `Kind::Float` it is the plain layer; with
/// `Kind::BFloat16` it is what autocast does: the input and a bf16 copy of the fp32 weights are multiplied in
/// bf16, and the gradient flows back through the casts to the fp32 weights the optimizer updates.
pub(super) fn linear_in(layer: &nn::Linear, x: &Tensor, kind: Kind) -> Tensor {
    if kind == Kind::Float {
        return layer.forward(x);
    }
    x.to_kind(kind).linear(
        &layer.ws.to_kind(kind),
        layer.bs.as_ref().map(|b| b.to_kind(kind)),
    )
}
// ANCHOR_END: linear_in
