//! CUDA that works without a GPU in sight: libtorch's CUDA library is linked into every binary (so a GPU is
//! seen when there is one), the notebooks' run-time loader finds it, and `jielong doctor` says why CUDA is
//! off on a machine without a GPU.

use jielong::device::{DeviceChoice, cuda};
use std::path::PathBuf;
use std::process::Command;

/// libtorch's `lib/` directory when it ships the CUDA library; `None` (with the reason printed) otherwise.
fn cuda_libtorch() -> Option<PathBuf> {
    let dir = cuda::libtorch_lib_dir().expect("build.rs tells the crate where libtorch is");
    if dir.join("libtorch_cuda.so").exists() {
        Some(dir)
    } else {
        println!(
            "skipped: {} has no libtorch_cuda.so (a CPU-only libtorch)",
            dir.display()
        );
        None
    }
}

#[test]
fn binaries_and_tests_need_libtorch_cuda_when_libtorch_ships_it() {
    let Some(_) = cuda_libtorch() else { return };
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_jielong"));
    let this_test = std::env::current_exe().unwrap();
    for exe in [cli, this_test] {
        let needed = cuda::needed_libraries(&exe).unwrap();
        assert!(
            needed.iter().any(|l| l == "libtorch_cuda.so"),
            "{} does not list libtorch_cuda.so as NEEDED: {needed:?}",
            exe.display()
        );
    }
}

#[test]
fn the_linked_cuda_library_is_in_the_process_and_asking_twice_changes_nothing() {
    let Some(dir) = cuda_libtorch() else { return };
    let first = cuda::cuda_library();
    assert_eq!(
        first,
        &cuda::CudaLibrary::Linked(std::fs::canonicalize(dir.join("libtorch_cuda.so")).unwrap())
    );
    assert!(
        std::ptr::eq(first, cuda::cuda_library()),
        "the answer is computed once"
    );
}

#[test]
fn the_run_time_loader_finds_the_cuda_library_and_loading_twice_is_harmless() {
    let Some(dir) = cuda_libtorch() else { return };
    for _ in 0..2 {
        assert_eq!(
            cuda::load_from(&dir),
            cuda::CudaLibrary::Loaded(dir.join("libtorch_cuda.so"))
        );
    }
    let sum = tch::Tensor::from_slice(&[1.0f32, 2.0, 3.0]).sum(tch::Kind::Float);
    assert_eq!(
        sum.double_value(&[]),
        6.0,
        "libtorch still works after loading twice"
    );
}

#[test]
fn a_cpu_only_libtorch_directory_is_reported_absent() {
    let empty = std::env::temp_dir().join(format!("jielong-no-cuda-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let answer = cuda::load_from(&empty);
    std::fs::remove_dir_all(&empty).unwrap();
    assert!(
        matches!(answer, cuda::CudaLibrary::Absent(ref why) if why.contains("CPU-only")),
        "{answer:?}"
    );
}

#[test]
fn needed_libraries_refuses_a_file_that_is_not_elf() {
    let err = cuda::needed_libraries(std::path::Path::new("Cargo.toml")).unwrap_err();
    assert_eq!(err.to_string(), "Cargo.toml is not a 64-bit ELF file");
}

#[test]
fn asking_for_a_missing_gpu_says_why() {
    if jielong::device::cuda_device_count() > 0 {
        println!("skipped: this machine has a GPU");
        return;
    }
    let err = DeviceChoice::Cuda(0).resolve().unwrap_err().to_string();
    let why = jielong::device::why_no_cuda().expect("no GPU, so a reason");
    assert!(err.contains(&why) && err.contains("--device cpu"), "{err}");
    assert_eq!(DeviceChoice::Auto.resolve().unwrap(), tch::Device::Cpu);
}

#[test]
fn mps_is_a_device_choice() {
    assert_eq!("mps".parse::<DeviceChoice>().unwrap(), DeviceChoice::Mps);
    assert_eq!(DeviceChoice::Mps.to_string(), "mps");
    if !tch::utils::has_mps() {
        let err = DeviceChoice::Mps.resolve().unwrap_err().to_string();
        assert_eq!(
            err,
            "device mps was asked for, but this libtorch has no MPS (Apple silicon) support"
        );
    }
}

#[test]
fn doctor_exits_0_and_names_the_missing_gpu_as_the_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_jielong"))
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    for section in [
        "libtorch",
        "CUDA",
        "CPU",
        "Tools for `make test` (the book, the notebooks)",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "no {section} section in:\n{text}"
        );
    }
    match jielong::device::why_no_cuda() {
        Some(why) => assert!(text.contains(&format!("no GPU: {why}")), "{text}"),
        None => assert!(text.contains("cuda:0"), "{text}"),
    }
    if cuda_libtorch().is_some() {
        assert!(
            text.contains("NEEDED by this binary: libtorch_cuda.so yes"),
            "{text}"
        );
    }
}

#[test]
fn doctor_json_is_the_same_report_as_data() {
    let out = Command::new(env!("CARGO_BIN_EXE_jielong"))
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["why_no_cuda"].as_str().map(String::from),
        jielong::device::why_no_cuda()
    );
    assert_eq!(
        report["cpu_bf16_native"],
        jielong::device::cpu::has_native_bf16()
    );
    assert!(
        report["libtorch_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("2.")),
        "{report}"
    );
}
