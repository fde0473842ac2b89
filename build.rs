//! Lets every binary, example, bench and test of this crate find libtorch at run time, and see the GPU.
//!
//! - **rpath:** torch-sys tells us where libtorch's shared libraries are (`links = "tch"` metadata), and we bake
//!   that directory into the executables, so no `LD_LIBRARY_PATH` is needed.
//! - **CUDA:** nothing in Rust calls a symbol of `libtorch_cuda.so`; its static initializers register the CUDA
//!   backend when it is loaded. GNU ld's `--as-needed` (Debian's and Ubuntu's default) drops a library no
//!   symbol is taken from, so without help a binary never loads it and `tch::Cuda::is_available()` is false
//!   even on a GPU machine. Where libtorch ships the library we link it with `--no-as-needed` — the fix tch's
//!   own examples use. These are GNU-linker flags, so only for Linux targets; Apple's linker and a CPU-only
//!   libtorch are left as they were.
//! - **Where libtorch is**, for `jielong doctor` and the notebooks' run-time loader: `JIELONG_LIBTORCH_LIB`.
//! - **Two operators tch does not bind** (libtorch's fused AdamW, and forgetting a gradient):
//!   `src/libtorch_ops.cpp`, compiled against libtorch's headers with the C++ ABI libtorch was built
//!   with (`LIBTORCH_CXX11_ABI`, as torch-sys reads it; `1` for every PyPI torch since 2.6).
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    println!("cargo:rustc-env=JIELONG_LIBTORCH_LIB={lib_dir}");
    compile_libtorch_ops(Path::new(&lib_dir));
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if linux && Path::new(&lib_dir).join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-L{lib_dir}");
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-ltorch");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    }
}

/// Compile `src/libtorch_ops.cpp` against the libtorch whose `lib/` is `lib_dir`.
fn compile_libtorch_ops(lib_dir: &Path) {
    const SOURCE: &str = "src/libtorch_ops.cpp";
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let include = lib_dir
        .parent()
        .expect("libtorch's lib/ has a parent")
        .join("include");
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    cc::Build::new()
        .cpp(true)
        .file(SOURCE)
        .include(&include)
        .flag("-std=c++17")
        .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={abi}"))
        .warnings(false)
        .compile("jielong_libtorch_ops");
}
