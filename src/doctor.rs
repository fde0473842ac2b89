//! `jielong doctor`: what this machine gives the course, and what to do about anything missing.
//!
//! A learner runs it first. It answers the questions that otherwise cost an afternoon: which libtorch is
//! this, will `--device auto` use the GPU (and if not, why not), does the CPU multiply bf16 natively, and are
//! the tools of `make test` — the book, Jupyter and the Rust kernel — installed.

use crate::device::{self, cpu, cuda};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Everything the doctor found, as data (printed by [`Report::to_text`], or as JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub libtorch_version: Option<String>,
    pub libtorch_dir: Option<PathBuf>,
    /// How libtorch's CUDA library is in this process (linked, loaded, absent, failed).
    pub cuda_library: String,
    /// Whether this very executable lists `libtorch_cuda.so` as NEEDED; `None` where that cannot be read.
    pub cuda_linked: Option<bool>,
    pub gpus: Vec<GpuLine>,
    /// Why libtorch sees no GPU, when it sees none.
    pub why_no_cuda: Option<String>,
    pub cpu_model: String,
    pub cpu_cores: usize,
    pub torch_threads: i32,
    pub cpu_features: Vec<(String, bool)>,
    pub cpu_bf16_native: bool,
    pub tools: Vec<Tool>,
}

/// One GPU, with what it means for the course.
#[derive(Clone, Debug, Serialize)]
pub struct GpuLine {
    pub device: String,
    pub name: String,
    pub memory_gib: f64,
    pub capability: String,
    /// bf16 tensor cores: compute capability 8.0 and up.
    pub bf16: bool,
}

/// A tool of `make test`, where it was found, and what installs it.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub found: Option<PathBuf>,
    pub install: &'static str,
}

/// Examine this machine. Nothing is installed or changed.
pub fn examine() -> Report {
    let libtorch_dir = cuda::libtorch_lib_dir();
    let library = cuda::cuda_library();
    let gpus = if device::cuda_device_count() > 0 {
        gpu_lines()
    } else {
        Vec::new()
    };
    let cuda_linked = std::env::current_exe()
        .ok()
        .and_then(|exe| cuda::needed_libraries(&exe).ok())
        .map(|needed| needed.iter().any(|l| l == "libtorch_cuda.so"));
    Report {
        libtorch_version: libtorch_dir.as_deref().and_then(libtorch_version),
        libtorch_dir,
        cuda_library: library.to_string(),
        cuda_linked,
        gpus,
        why_no_cuda: device::why_no_cuda(),
        cpu_model: cpu::model_name(),
        cpu_cores: std::thread::available_parallelism().map_or(1, usize::from),
        torch_threads: tch::get_num_threads(),
        cpu_features: cpu::features()
            .into_iter()
            .map(|(n, on)| (n.to_string(), on))
            .collect(),
        cpu_bf16_native: cpu::has_native_bf16(),
        tools: tools(),
    }
}

/// libtorch's version: PyPI torch keeps it in `torch/version.py`, a libtorch archive in `build-version`.
pub fn libtorch_version(lib_dir: &Path) -> Option<String> {
    let root = lib_dir.parent()?;
    if let Ok(text) = std::fs::read_to_string(root.join("build-version")) {
        return Some(text.trim().to_string());
    }
    let text = std::fs::read_to_string(root.join("version.py")).ok()?;
    let line = text.lines().find(|l| l.starts_with("__version__"))?;
    Some(line.split(['\'', '"']).nth(1)?.to_string())
}

/// The GPUs as the driver describes them; libtorch's own count when the driver cannot be asked.
fn gpu_lines() -> Vec<GpuLine> {
    match cuda::driver_gpus() {
        Ok(gpus) => gpus
            .into_iter()
            .map(|g| GpuLine {
                device: format!("cuda:{}", g.index),
                name: g.name,
                memory_gib: g.memory as f64 / (1u64 << 30) as f64,
                capability: format!("{}.{}", g.capability.0, g.capability.1),
                bf16: g.capability.0 >= 8,
            })
            .collect(),
        Err(_) => (0..device::cuda_device_count())
            .map(|i| GpuLine {
                device: format!("cuda:{i}"),
                name: "(the driver could not be asked)".into(),
                memory_gib: 0.0,
                capability: "?".into(),
                bf16: false,
            })
            .collect(),
    }
}

/// The tools `make test` uses, looked up on PATH and in the repository's `.venv`.
fn tools() -> Vec<Tool> {
    let kernel = jupyter_data_dir()
        .map(|d| d.join("kernels/rust/kernel.json"))
        .filter(|p| p.exists());
    vec![
        Tool {
            name: "mdbook",
            found: on_path("mdbook"),
            install: "make mdbook",
        },
        Tool {
            name: "mdbook-katex",
            found: on_path("mdbook-katex"),
            install: "make mdbook-katex",
        },
        Tool {
            name: "jupyter",
            found: venv_or_path("jupyter"),
            install: "make jupyter",
        },
        Tool {
            name: "evcxr_jupyter",
            found: on_path("evcxr_jupyter"),
            install: "make evcxr",
        },
        Tool {
            name: "evcxr kernel (rust)",
            found: kernel,
            install: "make evcxr",
        },
    ]
}

fn on_path(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH")?).collect();
    dirs.extend(home().map(|h| h.join(".cargo/bin"))); // where `cargo install` puts tools
    dirs.into_iter()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn venv_or_path(program: &str) -> Option<PathBuf> {
    let venv = PathBuf::from(".venv/bin").join(program);
    if venv.is_file() {
        Some(venv)
    } else {
        on_path(program)
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn jupyter_data_dir() -> Option<PathBuf> {
    match std::env::var_os("JUPYTER_DATA_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => home().map(|h| h.join(".local/share/jupyter")),
    }
}

impl Report {
    /// The report as a learner reads it: one section per question, with what to do about anything missing.
    pub fn to_text(&self) -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        let mut out = vec![
            "jielong doctor — what this machine gives the course".to_string(),
            String::new(),
        ];
        out.push("libtorch".into());
        out.push(format!(
            "  version        {}",
            self.libtorch_version.as_deref().unwrap_or("unknown")
        ));
        let dir = self
            .libtorch_dir
            .as_ref()
            .map_or("unknown".into(), |d| d.display().to_string());
        out.push(format!("  directory      {dir}"));
        out.push(format!("  CUDA library   {}", self.cuda_library));
        if let Some(linked) = self.cuda_linked {
            out.push(format!(
                "  NEEDED by this binary: libtorch_cuda.so {}",
                yes(linked)
            ));
        }
        out.push(String::new());
        out.push("CUDA".into());
        for g in &self.gpus {
            out.push(format!(
                "  {:<14} {}, {:.1} GiB, compute capability {}, bf16 {}",
                g.device,
                g.name,
                g.memory_gib,
                g.capability,
                yes(g.bf16)
            ));
        }
        match &self.why_no_cuda {
            None => out.push(
                "  → --device auto trains on cuda:0, in bf16 with fp32 master weights".into(),
            ),
            Some(why) => {
                out.push(format!("  no GPU: {why}"));
                out.push("  → --device auto trains on the CPU; every chapter's default config is sized for it".into());
            }
        }
        out.push(String::new());
        out.push("CPU".into());
        out.push(format!("  model          {}", self.cpu_model));
        out.push(format!(
            "  threads        {} cores; libtorch uses {}",
            self.cpu_cores, self.torch_threads
        ));
        let features: Vec<String> = self
            .cpu_features
            .iter()
            .map(|(n, on)| format!("{n} {}", yes(*on)))
            .collect();
        out.push(format!("  features       {}", features.join(", ")));
        out.push(if self.cpu_bf16_native {
            "  bf16           native: --precision bf16 is the fast path; fp32 stays the default"
                .into()
        } else {
            "  bf16           emulated (converted to fp32): keep the default fp32 on this CPU"
                .into()
        });
        out.push(String::new());
        out.push("Tools for `make test` (the book, the notebooks)".into());
        for t in &self.tools {
            match &t.found {
                Some(p) => out.push(format!("  {:<20} {}", t.name, p.display())),
                None => out.push(format!(
                    "  {:<20} missing → run `{}` (or `make setup` for all)",
                    t.name, t.install
                )),
            }
        }
        out.join("\n")
    }
}
