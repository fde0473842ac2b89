//! Who attends to whom: the pretrained model's last-layer attention weights on one sentence.

use super::figures::attention_heatmaps;
use crate::model::Model;
use crate::plot::Figure;
use crate::tokenizer::Tokenizer;
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

/// One layer's attention weights on a sentence: its tokens and one `[query][key]` panel per head, named
/// `layer L, head H`. Part of the chapter's result, so the figure can be drawn again from `result.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttentionMaps {
    /// The sentence's tokens, as the axes show them.
    pub tokens: Vec<String>,
    /// `(panel title, weights[query][key])`, one per head.
    pub panels: Vec<(String, Vec<Vec<f64>>)>,
}

// ANCHOR: attention_figure
/// The last layer's attention weights on `sentence`, one panel per head.
pub fn last_layer_attention(
    model: &Model,
    tokenizer: &Tokenizer,
    sentence: &str,
) -> Result<AttentionMaps> {
    let ids = tokenizer.encode(sentence);
    let idx = Tensor::from_slice(&ids)
        .unsqueeze(0)
        .to_device(model.device());
    let maps = model.attention_maps(&idx);
    let Some(last) = maps.last() else {
        bail!("the model has no attention layers");
    };
    let panels = head_panels(last, maps.len())?;
    let tokens: Vec<String> = ids.iter().map(|&id| tokenizer.token_piece(id)).collect();
    Ok(AttentionMaps { tokens, panels })
}

/// One layer's weights `[1, n_head, T, T]` as one `[query][key]` panel per head, titled `layer L, head H`.
fn head_panels(map: &Tensor, layer: usize) -> Result<Vec<(String, Vec<Vec<f64>>)>> {
    (0..map.size()[1])
        .map(|h| {
            let w = map
                .get(0)
                .get(h)
                .to_kind(Kind::Double)
                .to_device(Device::Cpu);
            let rows: Vec<Vec<f64>> = Vec::<Vec<f64>>::try_from(&w)?;
            Ok((format!("layer {layer}, head {}", h + 1), rows))
        })
        .collect()
}

/// The figure of [`last_layer_attention`]: one heat map per head ([`attention_heatmaps`]).
pub fn attention_figure(model: &Model, tokenizer: &Tokenizer, sentence: &str) -> Result<Figure> {
    attention_heatmaps(&last_layer_attention(model, tokenizer, sentence)?)
}
// ANCHOR_END: attention_figure

/// Every layer's attention weights on the token ids `ids` (at most the model's block size), first layer
/// first: what the playground's heat maps show.
pub fn attention_by_layer(
    model: &Model,
    tokenizer: &Tokenizer,
    ids: &[i64],
) -> Result<Vec<AttentionMaps>> {
    let idx = Tensor::from_slice(ids)
        .unsqueeze(0)
        .to_device(model.device());
    let maps = model.attention_maps(&idx);
    if maps.is_empty() {
        bail!("the model has no attention layers (a bigram model reads one token)");
    }
    let tokens: Vec<String> = ids.iter().map(|&id| tokenizer.token_piece(id)).collect();
    maps.iter()
        .enumerate()
        .map(|(l, map)| {
            Ok(AttentionMaps {
                tokens: tokens.clone(),
                panels: head_panels(map, l + 1)?,
            })
        })
        .collect()
}
