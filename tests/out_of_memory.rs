//! An allocation libtorch cannot make is reported in one line that says what to do, from libtorch's own
//! panic message; any other panic is left alone.

use jielong::out_of_memory::{out_of_memory_line, panic_text};
use tch::{Device, Kind, Tensor};

/// The panic message of a real failed allocation: 2⁴⁵ floats (128 TiB) on the CPU.
fn real_cpu_failure() -> String {
    let silent = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // this panic is expected: keep the test's output clean
    let result =
        std::panic::catch_unwind(|| Tensor::zeros([1i64 << 45], (Kind::Float, Device::Cpu)));
    std::panic::set_hook(silent);
    let message = panic_text(&*result.expect_err("no machine has 128 TiB"));
    assert!(!message.is_empty(), "tch panics with a message");
    message
}

#[test]
fn a_real_cpu_allocation_failure_becomes_one_line_with_its_size() {
    let message = real_cpu_failure();
    let line = out_of_memory_line(&message).unwrap_or_else(|| panic!("not recognised: {message}"));
    assert!(
        line.starts_with("out of memory: libtorch could not allocate 128.0 TiB on this machine"),
        "{line}"
    );
    assert!(!line.contains('\n'));
}

#[test]
fn cuda_wording_names_the_gpu_and_the_size() {
    let message = "called `Result::unwrap()` on an `Err` value: Torch(\"CUDA out of memory. Tried to allocate \
                   2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.05 GiB is free.\")";
    let line = out_of_memory_line(message).unwrap();
    assert!(
        line.starts_with("out of memory: libtorch could not allocate 2.0 GiB on the GPU"),
        "{line}"
    );
}

#[test]
fn other_panics_are_not_taken_for_memory() {
    for message in [
        "index out of bounds: the len is 3 but the index is 7",
        "called `Result::unwrap()` on an `Err` value: Torch(\"shape '[2, 3]' is invalid for input of size 5\")",
        "",
    ] {
        assert_eq!(out_of_memory_line(message), None, "{message}");
    }
}
