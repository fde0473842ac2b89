//! Exercise 4.2, a solution.

use tch::{Kind, Tensor};

/// The mean cross-entropy of `logits: [B, T, V]` against `targets: [B, T]` over the positions where
/// `mask: [B, T]` is true; a scalar tensor.
pub fn masked_loss(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Tensor {
    let keep = mask.to_kind(Kind::Float);
    let safe_targets = targets.clamp_min(0); // an ignored target may be −100: read any valid id instead
    let log_p = logits
        .log_softmax(-1, Kind::Float)
        .gather(2, &safe_targets.unsqueeze(-1), false)
        .squeeze_dim(-1);
    -(log_p * &keep).sum(Kind::Float) / keep.sum(Kind::Float)
}
