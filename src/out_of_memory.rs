//! An allocation libtorch cannot make becomes one `error:` line and exit status 1, not a panic and a
//! backtrace.
//!
//! Before training, [`crate::memory`] estimates what a config needs and refuses one that cannot fit. An
//! estimate is an estimate, though: activations of an unusual shape, another program taking memory meanwhile,
//! a GPU shared with someone else. When libtorch then fails to allocate, tch turns its C++ exception into a
//! Rust panic at whatever operation asked; [`install`] recognises that panic by libtorch's own wording and
//! ends the program with the line a learner can act on. Any other panic is a bug in the course, and keeps
//! its message and backtrace.

use std::any::Any;
use std::panic::{self, PanicHookInfo};

/// Replace the panic message of an allocation failure by one `error:` line and exit 1; leave other panics
/// to the default hook. Called first thing by the `jielong` CLI and the chapter programs.
pub fn install() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(
        move |info: &PanicHookInfo| match out_of_memory_line(&panic_text(info.payload())) {
            Some(line) => {
                eprintln!("error: {line}");
                std::process::exit(1);
            }
            None => default(info),
        },
    ));
}

/// The text a panic carries (its payload is a `String` or a `&str`), or "" for any other payload.
pub fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The error line for a panic `message` that reports a failed allocation in libtorch (its CPU allocator's
/// or CUDA's wording), or `None` for any other panic.
pub fn out_of_memory_line(message: &str) -> Option<String> {
    const SIGNS: [&str; 4] = [
        "DefaultCPUAllocator: not enough memory",
        "DefaultCPUAllocator: can't allocate memory",
        "CUDA out of memory",
        "CUDA error: out of memory",
    ];
    if !SIGNS.iter().any(|sign| message.contains(sign)) {
        return None;
    }
    let device = if message.contains("CUDA") {
        "the GPU"
    } else {
        "this machine"
    };
    let size = requested_bytes(message)
        .map(|b| format!(" {}", crate::memory::human(b as f64)))
        .unwrap_or_default();
    Some(format!(
        "out of memory: libtorch could not allocate{size} on {device}. The model, the batch or the block \
         size is too large for it: make one of them smaller (`jielong doctor` shows what the machine has)"
    ))
}

/// The size in libtorch's "you tried to allocate N bytes" (CPU) or "Tried to allocate 2.00 GiB" (CUDA).
fn requested_bytes(message: &str) -> Option<u64> {
    let lower = message.to_lowercase();
    let rest = &lower[lower.find("tried to allocate ")? + "tried to allocate ".len()..];
    let mut words = rest.split_whitespace();
    let number: f64 = words.next()?.trim_end_matches('.').parse().ok()?;
    let unit = match words.next()?.trim_end_matches(['.', ',', ';', ')', '"']) {
        "bytes" | "b" => 1.0,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some((number * unit) as u64)
}
