//! The KV cache: generation's memory of every layer's keys and values.

use tch::Tensor;

/// Every layer's keys and values of the tokens read so far: generation's memory. Each new token then needs
/// only its own query, key and value, instead of recomputing the whole context.
#[derive(Debug)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    pub(super) len: usize,
}

impl KvCache {
    pub(super) fn new(n_layer: usize) -> Self {
        KvCache {
            layers: (0..n_layer).map(|_| None).collect(),
            len: 0,
        }
    }

    /// Number of tokens whose keys and values are held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no token has been read yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget every token (a new context starts).
    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| *l = None);
        self.len = 0;
    }

    // ANCHOR: kv_append
    /// Append the new tokens' keys and values `[B, H, T_new, d]` of `layer` and return all of them so far.
    pub(super) fn append(&mut self, layer: usize, k: Tensor, v: Tensor) -> (Tensor, Tensor) {
        let (k, v) = match self.layers[layer].take() {
            Some((past_k, past_v)) => (Tensor::cat(&[past_k, k], 2), Tensor::cat(&[past_v, v], 2)),
            None => (k, v),
        };
        self.layers[layer] = Some((k.shallow_clone(), v.shallow_clone()));
        (k, v)
    }
    // ANCHOR_END: kv_append
}
