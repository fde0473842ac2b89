//! `make lab`'s kernel launcher (notebooks/kernel/rust-kernel.sh): two notebook kernels never share an
//! evcxr crate directory, and a kernel that exits frees its own. The checks are in tests/lab_kernel.sh.

use std::process::Command;

#[test]
fn two_kernels_get_their_own_crate_directories() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab_kernel.sh");
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "tests/lab_kernel.sh failed:\n{text}");
    assert!(text.contains("ok: kernels got"), "{text}");
}
