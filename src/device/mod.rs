//! Where the tensors live, and how to make a run repeatable.
//!
//! `--device auto` picks the first CUDA GPU when libtorch sees one and the CPU otherwise; `cpu`, `cuda`,
//! `cuda:N` and `mps` (Apple silicon; untested by the course) choose explicitly. The same seed on the same
//! device with the same config gives the same numbers. [`cuda`] makes sure libtorch's CUDA backend is in the
//! process before a device is chosen; [`cpu`] tells what the processor can do.

pub mod cpu;
pub mod cuda;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use tch::Device;

/// The user's choice of device, as written on the command line or in a config file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceChoice {
    /// CUDA when available, else CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device number N.
    Cuda(usize),
    /// Apple's Metal Performance Shaders (Apple silicon).
    Mps,
}

impl DeviceChoice {
    /// Resolve the choice to a libtorch device; asking for a device that is not there is an error that says
    /// why it is not there. On a GPU, attention is left to the flash and memory-efficient kernels
    /// ([`set_cudnn_attention`](crate::libtorch_ops::set_cudnn_attention) says why).
    pub fn resolve(self) -> Result<Device> {
        let device = self.resolve_device()?;
        if device.is_cuda() {
            crate::libtorch_ops::set_cudnn_attention(false); // generation's new length at every token
        }
        Ok(device)
    }

    fn resolve_device(self) -> Result<Device> {
        let gpus = cuda_device_count();
        match self {
            DeviceChoice::Auto if gpus > 0 => Ok(Device::Cuda(0)),
            DeviceChoice::Auto | DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Cuda(n) if n < gpus => Ok(Device::Cuda(n)),
            DeviceChoice::Cuda(n) => bail!(
                "device cuda:{n} was asked for, but libtorch sees {gpus} CUDA device(s) ({}); use --device cpu, \
                 and run `jielong doctor` for details",
                why_no_cuda().unwrap_or_else(|| "fewer GPUs than that".into())
            ),
            DeviceChoice::Mps if tch::utils::has_mps() => Ok(Device::Mps),
            DeviceChoice::Mps => bail!(
                "device mps was asked for, but this libtorch has no MPS (Apple silicon) support"
            ),
        }
    }
}

/// How many CUDA GPUs libtorch can use, after making sure its CUDA library is loaded.
pub fn cuda_device_count() -> usize {
    cuda::cuda_library();
    if tch::Cuda::is_available() {
        tch::Cuda::device_count() as usize
    } else {
        0
    }
}

/// Why libtorch sees no GPU, in words, or `None` when it sees one: the CUDA library is missing, or the driver
/// reports none.
pub fn why_no_cuda() -> Option<String> {
    let library = cuda::cuda_library();
    if !library.is_present() {
        return Some(format!("libtorch's CUDA library is {library}"));
    }
    if tch::Cuda::is_available() {
        return None;
    }
    Some(match cuda::driver_gpus() {
        Err(why) => why,
        Ok(gpus) => format!(
            "the driver sees {} GPU(s) but libtorch cannot use them (a CUDA version mismatch?)",
            gpus.len()
        ),
    })
}

impl FromStr for DeviceChoice {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" => Ok(DeviceChoice::Cuda(0)),
            "mps" => Ok(DeviceChoice::Mps),
            other => match other.strip_prefix("cuda:").map(str::parse::<usize>) {
                Some(Ok(n)) => Ok(DeviceChoice::Cuda(n)),
                _ => bail!("unknown device '{s}': expected auto, cpu, cuda, cuda:N or mps"),
            },
        }
    }
}

impl TryFrom<String> for DeviceChoice {
    type Error = anyhow::Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<DeviceChoice> for String {
    fn from(d: DeviceChoice) -> String {
        d.to_string()
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => write!(f, "auto"),
            DeviceChoice::Cpu => write!(f, "cpu"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceChoice::Mps => write!(f, "mps"),
        }
    }
}

/// Seed libtorch's random number generator (initialization, dropout). Data order and sampling use their
/// own seeded generators, so they do not depend on how many random numbers a model drew.
pub fn seed(seed: u64) {
    tch::manual_seed(seed as i64);
}

/// Limit libtorch's CPU threads; `0` keeps libtorch's default (one per core).
pub fn set_threads(n: usize) {
    if n > 0 {
        tch::set_num_threads(n as i32);
    }
}

/// A short description of a device for logs and reports, e.g. "cpu (2 threads)" or "cuda:0".
pub fn describe(device: Device) -> String {
    match device {
        Device::Cpu => format!("cpu ({} threads)", tch::get_num_threads()),
        Device::Cuda(n) => format!("cuda:{n}"),
        other => format!("{other:?}"),
    }
}

// ANCHOR: matmul_peak
/// The floating-point throughput (FLOP/s) of one large square matrix product on `device` in `kind`: what the
/// hardware delivers at best on the operation that dominates a Transformer. Model FLOPs utilization (MFU) is
/// measured against it on a CPU, whose datasheet peak is rarely reachable; on a GPU the datasheet's peak
/// (e.g. 989 TFLOP/s bf16 for an H100 SXM) is the usual yardstick and can be passed in instead.
pub fn matmul_flops_per_sec(device: Device, kind: tch::Kind, n: i64) -> f64 {
    let a = tch::Tensor::randn([n, n], (kind, device));
    let b = tch::Tensor::randn([n, n], (kind, device));
    let _warm_up = a.matmul(&b);
    if device.is_cuda() {
        tch::Cuda::synchronize(device_index(device));
    }
    let best = (0..5)
        .map(|_| {
            let clock = std::time::Instant::now();
            let c = a.matmul(&b);
            if device.is_cuda() {
                tch::Cuda::synchronize(device_index(device));
            }
            drop(c);
            clock.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min); // the best of five: the peak, not the average
    2.0 * (n as f64).powi(3) / best
}

/// The side `n` of the `n × n` product that measures a device's peak: 1024 keeps a CPU busy for tens of
/// milliseconds, but takes microseconds on a GPU, where launching and waiting then cost more than the
/// arithmetic (measured on an H200 in bf16: 80 to 106 TFLOP/s at 1024, 774 at 8192).
pub fn peak_matmul_size(device: Device) -> i64 {
    if device.is_cuda() { 8192 } else { 1024 }
}
// ANCHOR_END: matmul_peak

fn device_index(device: Device) -> i64 {
    match device {
        Device::Cuda(i) => i as i64,
        _ => 0,
    }
}
