// AdamW's update for every parameter in one call. The composite form (weight decay, lerp, mul, addcmul, sqrt, div,
// add, addcdiv: eight aten ops, three of them allocating, per parameter tensor) reads and writes each parameter's
// four tensors about eleven times; on CPU the fused loop below reads them once and writes three, split over
// libtorch's intra-op threads. Element j's arithmetic is the composite form's, in the same order and in float, so the
// two agree to rounding (aten's vectorised kernels may contract a multiply-add); each element depends on itself
// alone, so any split over threads gives the same result. Tensors that are not contiguous float32 on the CPU
// (CUDA, bf16 weights) take the composite form here, in aten.
#include <torch/torch.h>
#include <ATen/Parallel.h>
#include <cmath>
#include "common.h"

namespace {

struct AdamWScalars {
  double lr, beta1, beta2, eps, bias_correction1, bias_correction2;
};

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  for (const at::Tensor* t : {&p, &g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != at::kFloat || !t->is_contiguous() || t->numel() != p.numel())
      return false;
  return true;
}

void fused(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, double weight_decay, const AdamWScalars& s) {
  float* pd = p.data_ptr<float>();
  const float* gd = g.data_ptr<float>();
  float* md = m.data_ptr<float>();
  float* vd = v.data_ptr<float>();
  // the scalars as aten casts them for a float tensor
  const bool decays = weight_decay != 0;
  const float decay = static_cast<float>(1 - s.lr * weight_decay);
  const float w1 = static_cast<float>(1 - s.beta1);
  const float b2 = static_cast<float>(s.beta2), c2 = static_cast<float>(1 - s.beta2);
  const float root_bc2 = static_cast<float>(std::sqrt(s.bias_correction2));
  const float eps = static_cast<float>(s.eps);
  const float step_size = static_cast<float>(-s.lr / s.bias_correction1);
  at::parallel_for(0, p.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; j++) {
      const float gj = gd[j];
      const float pj = decays ? pd[j] * decay : pd[j];
      const float mj = md[j] + w1 * (gj - md[j]);  // lerp(m, g, 1 − β1), aten's form for a weight below ½
      const float vj = vd[j] * b2 + c2 * gj * gj;
      const float denom = std::sqrt(vj) / root_bc2 + eps;
      md[j] = mj;
      vd[j] = vj;
      pd[j] = pj + step_size * mj / denom;
    }
  });
}

void composite(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, double weight_decay, const AdamWScalars& s) {
  if (weight_decay != 0) p.mul_(1 - s.lr * weight_decay);
  m.lerp_(g, 1 - s.beta1);
  v.mul_(s.beta2).addcmul_(g, g, 1 - s.beta2);
  const at::Tensor denom = v.sqrt() / std::sqrt(s.bias_correction2) + s.eps;
  p.addcdiv_(m, denom, -s.lr / s.bias_correction1);
}

}  // namespace

extern "C" {

int sa_adamw_step(sa_tensor** params, sa_tensor** grads, sa_tensor** exp_avgs, sa_tensor** exp_avg_sqs,
                  const double* weight_decays, int64_t count, double lr, double beta1, double beta2, double eps,
                  int64_t step) {
  SA_TRY
  TORCH_CHECK(count >= 0 && (count == 0 || (params && grads && exp_avgs && exp_avg_sqs && weight_decays)),
              "sa_adamw_step: null array");
  TORCH_CHECK(step >= 1, "sa_adamw_step: step counts from 1, got ", step);
  const AdamWScalars s{lr, beta1, beta2, eps, 1 - std::pow(beta1, static_cast<double>(step)),
                       1 - std::pow(beta2, static_cast<double>(step))};
  at::NoGradGuard no_grad;
  for (int64_t i = 0; i < count; i++) {
    TORCH_CHECK(params[i] && grads[i] && exp_avgs[i] && exp_avg_sqs[i], "sa_adamw_step: null tensor at ", i);
    at::Tensor& p = params[i]->t;
    const at::Tensor& g = grads[i]->t;
    at::Tensor& m = exp_avgs[i]->t;
    at::Tensor& v = exp_avg_sqs[i]->t;
    TORCH_CHECK(g.sizes() == p.sizes() && m.sizes() == p.sizes() && v.sizes() == p.sizes(),
                "sa_adamw_step: tensor ", i, " has sizes ", p.sizes(), " but its gradient or state differs");
    if (fusable(p, g, m, v)) fused(p, g, m, v, weight_decays[i], s);
    else composite(p, g, m, v, weight_decays[i], s);
    // as aten's in-place ops do, so that autograd still refuses a graph that saved the old values
    for (at::Tensor* t : {&p, &m, &v}) t->unsafeGetTensorImpl()->bump_version();
  }
  return 0;
  SA_CATCH(-1)
}

}  // extern "C"
