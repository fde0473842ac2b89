//! What the processor offers the matrix products that dominate training: vector units and bf16 support.
//!
//! libtorch chooses its CPU kernels at run time from the same features. bf16 matrix products are fast only
//! where the hardware multiplies bf16 itself — AVX-512 BF16 (Intel Cooper Lake and later, AMD Zen 4 and later)
//! or AMX (Intel Sapphire Rapids and later); elsewhere libtorch converts to fp32 and bf16 is slower.

/// The processor's model name, as the operating system reports it.
pub fn model_name() -> String {
    cpuinfo_field("model name").unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// The features that matter for the course's matrix products, each with whether this CPU has it.
pub fn features() -> Vec<(&'static str, bool)> {
    let flags = cpuinfo_field("flags").unwrap_or_default();
    let has = |flag: &str| flags.split_whitespace().any(|f| f == flag);
    vec![
        ("AVX2", has("avx2")),
        ("FMA", has("fma")),
        ("AVX-512", has("avx512f")),
        ("AVX-512 BF16", has("avx512_bf16")),
        ("AMX (bf16 tiles)", has("amx_bf16") && has("amx_tile")),
    ]
}

/// Whether bf16 matrix products run natively on this CPU (AVX-512 BF16 or AMX).
pub fn has_native_bf16() -> bool {
    features()
        .iter()
        .any(|&(name, on)| on && (name == "AVX-512 BF16" || name.starts_with("AMX")))
}

/// The value of the first `name : value` line of /proc/cpuinfo (Linux); `None` elsewhere.
fn cpuinfo_field(name: &str) -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_string())
    })
}
