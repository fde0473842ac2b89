//! Exercise 5.1, a solution.

use tch::{Kind, Tensor};

/// `−mean log σ(chosen − rejected)` of the scores `chosen: [N]` and `rejected: [N]`; a scalar tensor.
pub fn bradley_terry_loss(chosen: &Tensor, rejected: &Tensor) -> Tensor {
    -(chosen - rejected).log_sigmoid().mean(Kind::Float)
}
