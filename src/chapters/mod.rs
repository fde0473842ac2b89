//! Each chapter's experiment: one function that takes a serde config and returns a serde result. The chapter
//! program, the `jielong chapter N` command, the notebook, the tests and the book all call that function.

pub mod ch01;

use crate::device::{self, DeviceChoice};
use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use std::path::Path;
use tch::Device;

/// Read a chapter config from a JSON file; unknown or mistyped fields are an error naming them.
pub fn load_config<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("config {} is invalid", path.display()))
}

/// Resolve the device, apply the thread count and seed libtorch: the first lines of every experiment.
pub fn prepare(choice: DeviceChoice, threads: usize, seed: u64) -> Result<Device> {
    device::set_threads(threads);
    device::seed(seed);
    choice.resolve()
}
