// Internal to the shim: the handle structs and the exception guard every export uses.
#pragma once
#include <string>
#include <exception>
#include <c10/util/Exception.h>
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>
#include "sharpasr_native.h"

struct sa_tensor_s {
  at::Tensor t;
};
struct sa_generator_s {
  at::Generator g;
};

namespace sa {
void set_error(const char* msg);
void clear_error();
inline sa_tensor* wrap(at::Tensor t) { return new sa_tensor_s{std::move(t)}; }
}  // namespace sa

// Every export body sits between SA_TRY and SA_CATCH(failure value): no C++ exception crosses the ABI.
#define SA_TRY try {
#define SA_CATCH(ret)                                   \
  }                                                     \
  catch (const c10::Error& e) {                         \
    sa::set_error(e.what_without_backtrace());          \
    return ret;                                         \
  }                                                     \
  catch (const std::exception& e) {                     \
    sa::set_error(e.what());                            \
    return ret;                                         \
  }                                                     \
  catch (...) {                                         \
    sa::set_error("unknown C++ exception");             \
    return ret;                                         \
  }
