// Tensor lifetime, host copies, metadata and the autograd entry points the dispatcher cannot reach.
#include "common.h"
#include <cstring>
#include <vector>
#include <ATen/EmptyTensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>

extern "C" {

void sa_tensor_free(sa_tensor* t) { delete t; }

sa_tensor* sa_tensor_clone_handle(sa_tensor* t) {
  SA_TRY
  return sa::wrap(t->t);
  SA_CATCH(nullptr)
}

sa_tensor* sa_tensor_from_host(const void* data, int64_t nbytes, const int64_t* shape, int ndim, int dtype,
                               int device_type, int device_index) {
  SA_TRY
  std::vector<int64_t> sizes(shape, shape + ndim);
  auto st = static_cast<c10::ScalarType>(dtype);
  auto cpu = at::empty(sizes, at::TensorOptions().dtype(st));
  TORCH_CHECK((int64_t)cpu.nbytes() == nbytes, "sa_tensor_from_host: shape ", cpu.sizes(), " of ", st, " needs ",
              cpu.nbytes(), " bytes but ", nbytes, " were given");
  if (nbytes > 0) std::memcpy(cpu.data_ptr(), data, (size_t)nbytes);
  auto dev = c10::Device(static_cast<c10::DeviceType>(device_type), (c10::DeviceIndex)device_index);
  if (!dev.is_cpu()) return sa::wrap(cpu.to(dev));
  return sa::wrap(std::move(cpu));
  SA_CATCH(nullptr)
}

int sa_tensor_to_host(sa_tensor* t, void* dst, int64_t nbytes) {
  SA_TRY
  at::Tensor src = t->t.detach();
  if (!src.device().is_cpu()) src = src.cpu();
  src = src.contiguous();
  TORCH_CHECK((int64_t)src.nbytes() == nbytes, "sa_tensor_to_host: tensor of shape ", src.sizes(), " has ",
              src.nbytes(), " bytes but the buffer has ", nbytes);
  if (nbytes > 0) std::memcpy(dst, src.data_ptr(), (size_t)nbytes);
  return 0;
  SA_CATCH(-1)
}

int sa_tensor_ndim(sa_tensor* t) {
  SA_TRY
  return (int)t->t.dim();
  SA_CATCH(-1)
}

int sa_tensor_shape(sa_tensor* t, int64_t* out, int cap) {
  SA_TRY
  auto sizes = t->t.sizes();
  int n = (int)sizes.size();
  for (int i = 0; i < n && i < cap; i++) out[i] = sizes[i];
  return n;
  SA_CATCH(-1)
}

int sa_tensor_dtype(sa_tensor* t) {
  SA_TRY
  return (int)t->t.scalar_type();
  SA_CATCH(-1)
}

int sa_tensor_device(sa_tensor* t, int* device_type, int* device_index) {
  SA_TRY
  auto d = t->t.device();
  *device_type = (int)d.type();
  *device_index = (int)d.index();
  return 0;
  SA_CATCH(-1)
}

int64_t sa_tensor_numel(sa_tensor* t) {
  SA_TRY
  return t->t.numel();
  SA_CATCH(-1)
}

int sa_tensor_defined(sa_tensor* t) { return t && t->t.defined() ? 1 : 0; }

void* sa_tensor_data_ptr(sa_tensor* t) {
  SA_TRY
  if (!t->t.device().is_cpu() || !t->t.is_contiguous()) return nullptr;
  return t->t.data_ptr();
  SA_CATCH(nullptr)
}

int sa_tensor_requires_grad(sa_tensor* t) {
  SA_TRY
  return t->t.requires_grad() ? 1 : 0;
  SA_CATCH(-1)
}

int sa_tensor_set_requires_grad(sa_tensor* t, int requires_grad) {
  SA_TRY
  t->t.set_requires_grad(requires_grad != 0);
  return 0;
  SA_CATCH(-1)
}

sa_tensor* sa_tensor_grad(sa_tensor* t) {
  SA_TRY
  sa::clear_error();
  const auto& g = t->t.grad();
  if (!g.defined()) return nullptr;
  return sa::wrap(g);
  SA_CATCH(nullptr)
}

int sa_tensor_set_grad(sa_tensor* t, sa_tensor* grad) {
  SA_TRY
  t->t.mutable_grad() = grad ? grad->t : at::Tensor();
  return 0;
  SA_CATCH(-1)
}

int sa_tensor_is_leaf(sa_tensor* t) {
  SA_TRY
  return t->t.is_leaf() ? 1 : 0;
  SA_CATCH(-1)
}

static std::vector<at::Tensor> unwrap_list(sa_tensor** ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(ts && ts[i] ? ts[i]->t : at::Tensor());
  return v;
}

int sa_backward(sa_tensor** tensors, sa_tensor** grads, int n, int retain_graph, int create_graph) {
  SA_TRY
  auto outs = unwrap_list(tensors, n);
  auto gs = unwrap_list(grads, n);
  torch::autograd::backward(outs, gs, c10::optional<bool>(retain_graph != 0), create_graph != 0);
  return 0;
  SA_CATCH(-1)
}

int sa_grad(sa_tensor** outputs, sa_tensor** grad_outputs, int n_out, sa_tensor** inputs, int n_in, int retain_graph,
            int create_graph, int allow_unused, sa_tensor** out) {
  SA_TRY
  auto outs = unwrap_list(outputs, n_out);
  auto gs = unwrap_list(grad_outputs, n_out);
  auto ins = unwrap_list(inputs, n_in);
  auto res = torch::autograd::grad(outs, ins, gs, c10::optional<bool>(retain_graph != 0), create_graph != 0,
                                   allow_unused != 0);
  for (int i = 0; i < n_in; i++) out[i] = res[i].defined() ? sa::wrap(res[i]) : nullptr;
  return 0;
  SA_CATCH(-1)
}

int sa_tensor_copy_data(sa_tensor* dst, sa_tensor* src) {
  SA_TRY
  at::NoGradGuard guard;
  dst->t.detach().copy_(src->t);
  return 0;
  SA_CATCH(-1)
}

int sa_tensor_set_data(sa_tensor* dst, sa_tensor* src) {
  SA_TRY
  dst->t.set_data(src->t);
  return 0;
  SA_CATCH(-1)
}

}  // extern "C"
