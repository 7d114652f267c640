// Dropout whose random numbers split over libtorch's intra-op threads. aten::dropout on CPU draws its mask with
// bernoulli_ from the default generator one number at a time on one thread, a sizeable share of a convolutional
// encoder's forward pass (docs/design.md#dropout). Here element i's number is a counter-based hash of (seed, i) (SplitMix64's
// output function): any split over threads gives the same mask, and one 64-bit seed per call, drawn from the
// default CPU generator, keeps runs reproducible for a seed and lets a resumed run continue its random stream.
#include <torch/torch.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <mutex>
#include "common.h"

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;  // SplitMix64's counter increment

// SplitMix64's output function (Steele, Lea & Flood 2014): consecutive counters give independent-looking numbers.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Element i is kept when the top 32 bits of its number reach threshold = round(p · 2³²): P(drop) = p to 2⁻³².
inline bool kept(uint64_t seed, int64_t i, uint64_t threshold) {
  return (mix64(seed + static_cast<uint64_t>(i + 1) * kGolden) >> 32) >= threshold;
}

uint64_t draw_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

// in · (keep ? scale : 0). Multiplying by 0 rather than writing 0 keeps a NaN input a NaN, as aten::dropout's
// input · noise does, so a diverging run is still caught at its loss.
template <typename scalar_t>
inline scalar_t masked(scalar_t in, bool keep, at::opmath_type<scalar_t> scale) {
  using opmath_t = at::opmath_type<scalar_t>;
  return static_cast<scalar_t>(static_cast<opmath_t>(in) * (keep ? scale : opmath_t(0)));
}

struct CounterDropout : public torch::autograd::Function<CounterDropout> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, double p) {
    const at::Tensor input = x.contiguous();
    const int64_t n = input.numel();
    const uint64_t seed = draw_seed();
    const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 4294967296.0));
    const double scale = p >= 1 ? 0.0 : 1.0 / (1.0 - p);  // p = 1 drops everything: input · 0, as aten does
    at::Tensor keep = at::empty(input.sizes(), input.options().dtype(at::kBool));
    at::Tensor y = at::empty(input.sizes(), input.options());
    bool* k = keep.data_ptr<bool>();
    // the mask and the output in one pass over the elements
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, input.scalar_type(), "sa_dropout", [&] {
      const scalar_t* in = input.data_ptr<scalar_t>();
      scalar_t* out = y.data_ptr<scalar_t>();
      const auto s = static_cast<at::opmath_type<scalar_t>>(scale);
      at::parallel_for(0, n, at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; i++) {
          const bool keep_i = kept(seed, i, threshold);
          k[i] = keep_i;
          out[i] = masked(in[i], keep_i, s);
        }
      });
    });
    ctx->save_for_backward({keep});
    ctx->saved_data["scale"] = scale;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor keep = ctx->get_saved_variables()[0];
    const double scale = ctx->saved_data["scale"].toDouble();
    const at::Tensor g = grads[0].contiguous();
    at::Tensor grad = at::empty(g.sizes(), g.options());
    const bool* k = keep.data_ptr<bool>();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kBFloat16, at::kHalf, g.scalar_type(), "sa_dropout_backward", [&] {
      const scalar_t* in = g.data_ptr<scalar_t>();
      scalar_t* out = grad.data_ptr<scalar_t>();
      const auto s = static_cast<at::opmath_type<scalar_t>>(scale);
      at::parallel_for(0, g.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; i++) out[i] = masked(in[i], k[i], s);
      });
    });
    return {grad, at::Tensor()};
  }
};

}  // namespace

extern "C" {

int sa_dropout(sa_tensor* x, double p, sa_tensor** out) {
  SA_TRY
  TORCH_CHECK(x, "sa_dropout: x is required");
  TORCH_CHECK(p >= 0 && p <= 1, "sa_dropout: p must be in [0, 1], got ", p);
  const at::Tensor& t = x->t;
  TORCH_CHECK(t.is_floating_point(), "sa_dropout: x must be floating point, got ", t.scalar_type());
  // CUDA's dropout is already a fused, parallel kernel.
  *out = sa::wrap(t.device().is_cpu() ? CounterDropout::apply(t, p) : at::dropout(t, p, /*train=*/true));
  return 0;
  SA_CATCH(-1)
}

}  // extern "C"
