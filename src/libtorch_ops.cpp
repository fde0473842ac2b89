// Three libtorch calls the `tch` crate does not bind (its generator skips every `_fused_*` operator, it
// cannot forget a gradient, and it does not reach the attention settings): compiled by build.rs against the
// same libtorch, called from src/libtorch_ops.rs. A tensor handle from tch is a pointer to an `at::Tensor`.
//
// Each function returns nullptr, or an error message (valid until the thread's next call) instead of
// letting a C++ exception cross into Rust.
#include <ATen/Context.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/_fused_adamw.h>
#include <ATen/ops/full.h>

#include <string>
#include <vector>

namespace {
thread_local std::string last_error;

std::vector<at::Tensor> tensors(void** handles, int n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int i = 0; i < n; i++) out.push_back(*static_cast<at::Tensor*>(handles[i]));
  return out;
}

template <typename F>
const char* guarded(F f) {
  try {
    f();
    return nullptr;
  } catch (const std::exception& e) {
    last_error = e.what();
    return last_error.c_str();
  }
}
}  // namespace

extern "C" {

// AdamW on n parameters at once, libtorch's fused kernel (one pass over each tensor on the CPU, one launch
// per group of tensors on a GPU): exactly torch.optim.AdamW(fused=True) at optimizer step `step` (1, 2, …).
const char* jielong_fused_adamw(void** params, void** grads, void** exp_avgs, void** exp_avg_sqs, int n,
                                double step, double lr, double beta1, double beta2, double weight_decay,
                                double eps) {
  return guarded([&] {
    auto p = tensors(params, n);
    if (p.empty()) return;
    std::vector<at::Tensor> steps;
    for (const auto& t : p) steps.push_back(at::full({}, step, t.options().dtype(at::kFloat)));
    at::_fused_adamw_(p, tensors(grads, n), tensors(exp_avgs, n), tensors(exp_avg_sqs, n), {}, steps, lr,
                      beta1, beta2, weight_decay, eps, /*amsgrad=*/false, /*maximize=*/false);
  });
}

// Forget a parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`): the next backward pass then
// writes the gradient afresh instead of adding it to a buffer of zeros.
const char* jielong_forget_grad(void* param) {
  return guarded([&] { static_cast<at::Tensor*>(param)->mutable_grad().reset(); });
}

// Let scaled_dot_product_attention use cuDNN's attention kernels or not (GPU only; PyTorch's
// torch.backends.cuda.enable_cudnn_sdp).
const char* jielong_set_cudnn_attention(bool enabled) {
  return guarded([&] { at::globalContext().setSDPUseCuDNN(enabled); });
}
}
