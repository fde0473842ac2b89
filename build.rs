//! Lets every binary, example and test of this crate find libtorch at run time without LD_LIBRARY_PATH:
//! torch-sys tells us where libtorch's shared libraries are (`links = "tch"` metadata), and we bake that
//! directory into the executables as an rpath.
fn main() {
    if let Ok(lib_dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    }
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
}
