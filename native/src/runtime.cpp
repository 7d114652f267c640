// Errors, global runtime switches and random generators.
#include "common.h"
#include <cstring>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/empty.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/core/grad_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/DeviceType.h>
#include <torch/csrc/api/include/torch/version.h>

namespace sa {
static thread_local std::string g_last_error;
void set_error(const char* msg) { g_last_error = msg ? msg : ""; }
void clear_error() { g_last_error.clear(); }
}  // namespace sa

extern "C" {

const char* sa_last_error(void) { return sa::g_last_error.c_str(); }

const char* sa_torch_version(void) { return TORCH_VERSION; }

int sa_cuda_is_available(void) {
  SA_TRY
  return at::hasCUDA() ? 1 : 0;
  SA_CATCH(-1)
}

int sa_cuda_device_count(void) {
  SA_TRY
  if (!at::hasCUDA()) return 0;
  return (int)at::detail::getCUDAHooks().getNumGPUs();
  SA_CATCH(-1)
}

static bool g_flush_denormal = false;

// Flush-to-zero / denormals-are-zero is a per-thread CPU mode (MXCSR): set it on the caller and on every thread of
// libtorch's intra-op pool. at::parallel_for over [0, threads) with grain 1 gives each pool thread one index.
static bool apply_flush_denormal(bool on) {
  bool ok = at::globalContext().setFlushDenormal(on);
  int threads = at::get_num_threads();
  if (threads > 1 && !at::in_parallel_region())
    at::parallel_for(0, threads, 1, [on](int64_t, int64_t) { at::globalContext().setFlushDenormal(on); });
  return ok;
}

int sa_set_num_threads(int n) {
  SA_TRY
  at::set_num_threads(n);
  if (g_flush_denormal) apply_flush_denormal(true);  // a larger pool has new threads
  return 0;
  SA_CATCH(-1)
}

int sa_set_flush_denormal(int on) {
  SA_TRY
  g_flush_denormal = on != 0;
  return apply_flush_denormal(g_flush_denormal) ? 1 : 0;
  SA_CATCH(-1)
}

int sa_get_num_threads(void) {
  SA_TRY
  return at::get_num_threads();
  SA_CATCH(-1)
}

int sa_manual_seed(uint64_t seed) {
  SA_TRY
  at::manual_seed(seed);
  return 0;
  SA_CATCH(-1)
}

/* The default CPU generator (dropout, randn, ...) as bytes, so a resumed run continues its random stream. */
int64_t sa_get_rng_state(void* buf, int64_t cap) {
  SA_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  auto state = gen.get_state();  // a uint8 CPU tensor
  int64_t n = state.numel();
  if (buf && cap >= n) std::memcpy(buf, state.data_ptr(), (size_t)n);
  return n;
  SA_CATCH(-1)
}

int sa_set_rng_state(const void* buf, int64_t n) {
  SA_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  at::Tensor state = at::empty({n}, at::TensorOptions().dtype(at::kByte));
  std::memcpy(state.data_ptr(), buf, (size_t)n);
  gen.set_state(state);
  return 0;
  SA_CATCH(-1)
}

int sa_set_grad_enabled(int enabled) {
  SA_TRY
  at::GradMode::set_enabled(enabled != 0);
  return 0;
  SA_CATCH(-1)
}

int sa_is_grad_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }

int64_t sa_list_ops(char* buf, int64_t cap) {
  SA_TRY
  std::string all;
  for (const auto& name : c10::Dispatcher::singleton().getAllOpNames()) {
    all += name.name;
    if (!name.overload_name.empty()) {
      all += ".";
      all += name.overload_name;
    }
    all += "\n";
  }
  if (buf && cap > 0) {
    int64_t n = std::min<int64_t>(cap - 1, (int64_t)all.size());
    std::memcpy(buf, all.data(), (size_t)n);
    buf[n] = 0;
  }
  return (int64_t)all.size() + 1;
  SA_CATCH(-1)
}

sa_generator* sa_generator_new(uint64_t seed, int device_type, int device_index) {
  SA_TRY
  auto type = static_cast<c10::DeviceType>(device_type);
  at::Generator g;
  if (type == c10::DeviceType::CPU) {
    g = at::detail::createCPUGenerator(seed);
  } else if (type == c10::DeviceType::CUDA) {
    g = at::detail::getCUDAHooks().getDefaultCUDAGenerator((c10::DeviceIndex)device_index).clone();
    g.set_current_seed(seed);
  } else {
    TORCH_CHECK(false, "generators exist for cpu and cuda only, not device type ", device_type);
  }
  return new sa_generator_s{std::move(g)};
  SA_CATCH(nullptr)
}

void sa_generator_free(sa_generator* g) { delete g; }

int sa_generator_set_seed(sa_generator* g, uint64_t seed) {
  SA_TRY
  std::lock_guard<std::mutex> lock(g->g.mutex());
  g->g.set_current_seed(seed);
  return 0;
  SA_CATCH(-1)
}

int64_t sa_generator_get_state(sa_generator* g, void* buf, int64_t cap) {
  SA_TRY
  std::lock_guard<std::mutex> lock(g->g.mutex());
  auto state = g->g.get_state();  // a uint8 CPU tensor
  int64_t n = state.numel();
  if (buf && cap >= n) std::memcpy(buf, state.data_ptr(), (size_t)n);
  return n;
  SA_CATCH(-1)
}

int sa_generator_set_state(sa_generator* g, const void* buf, int64_t n) {
  SA_TRY
  std::lock_guard<std::mutex> lock(g->g.mutex());
  at::Tensor state = at::empty({n}, at::TensorOptions().dtype(at::kByte));
  std::memcpy(state.data_ptr(), buf, (size_t)n);
  g->g.set_state(state);
  return 0;
  SA_CATCH(-1)
}

void sa_free(void* p) { std::free(p); }

}  // extern "C"
