// The generic operator call: find an ATen operator by schema name, box the arguments into a
// torch::jit::Stack, call it through the dispatcher (autograd records as for direct calls),
// unbox the results. This one path replaces thousands of hand-written per-op exports.
#include "common.h"
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/ivalue.h>
#include <ATen/core/stack.h>
#include <ATen/core/jit_type.h>

struct sa_op_s {
  c10::OperatorHandle handle;
  std::string schema_text;
  std::string full_name;
};

namespace {
std::mutex g_ops_mutex;
std::unordered_map<std::string, sa_op_s*> g_ops;

c10::TypePtr unwrap_optional(const c10::TypePtr& t) {
  if (t->kind() == c10::TypeKind::OptionalType) return t->castRaw<c10::OptionalType>()->getElementType();
  return t;
}

std::string describe(const sa_value& v) {
  switch (v.kind) {
    case SA_NONE: return "None";
    case SA_TENSOR: return "Tensor";
    case SA_INT: return "int";
    case SA_DOUBLE: return "float";
    case SA_BOOL: return "bool";
    case SA_INTLIST: return "int[]";
    case SA_TENSORLIST: return "Tensor[]";
    case SA_DOUBLELIST: return "float[]";
    case SA_STRING: return "str";
    case SA_DTYPE: return "ScalarType";
    case SA_DEVICE: return "Device";
    case SA_GENERATOR: return "Generator";
    case SA_BOOLLIST: return "bool[]";
    default: return "unknown kind " + std::to_string(v.kind);
  }
}

// Boxes one argument, converting where the schema wants a related type (int → float, etc.).
c10::IValue box(const sa_value& v, const c10::Argument& arg, const sa_op_s* op) {
  auto type = unwrap_optional(arg.type());
  auto kind = type->kind();
  switch (v.kind) {
    case SA_NONE:
      return c10::IValue();
    case SA_TENSOR: {
      at::Tensor t = v.p ? static_cast<sa_tensor*>(v.p)->t : at::Tensor();
      if (!t.defined() && arg.type()->kind() == c10::TypeKind::OptionalType) return c10::IValue();
      return c10::IValue(t);
    }
    case SA_INT:
    case SA_DTYPE:
      if (kind == c10::TypeKind::FloatType) return c10::IValue((double)v.i);
      if (kind == c10::TypeKind::BoolType) return c10::IValue(v.i != 0);
      return c10::IValue((int64_t)v.i);
    case SA_DOUBLE:
      TORCH_CHECK(kind != c10::TypeKind::IntType, op->full_name, ": argument '", arg.name(),
                  "' is an int, a float was given");
      return c10::IValue(v.d);
    case SA_BOOL:
      return c10::IValue(v.i != 0);
    case SA_INTLIST: {
      const int64_t* p = static_cast<const int64_t*>(v.p);
      if (kind == c10::TypeKind::ListType) {
        auto elem = unwrap_optional(type->castRaw<c10::ListType>()->getElementType());
        if (elem->kind() == c10::TypeKind::BoolType) {
          c10::List<bool> l;
          for (int k = 0; k < v.len; k++) l.push_back(p[k] != 0);
          return c10::IValue(l);
        }
        if (elem->kind() == c10::TypeKind::FloatType) {
          c10::List<double> l;
          for (int k = 0; k < v.len; k++) l.push_back((double)p[k]);
          return c10::IValue(l);
        }
      }
      return c10::IValue(std::vector<int64_t>(p, p + v.len));
    }
    case SA_BOOLLIST: {
      const int64_t* p = static_cast<const int64_t*>(v.p);
      c10::List<bool> l;
      for (int k = 0; k < v.len; k++) l.push_back(p[k] != 0);
      return c10::IValue(l);
    }
    case SA_DOUBLELIST: {
      const double* p = static_cast<const double*>(v.p);
      return c10::IValue(std::vector<double>(p, p + v.len));
    }
    case SA_TENSORLIST: {
      auto ts = static_cast<sa_tensor* const*>(v.p);
      bool optional_elems = false;
      if (kind == c10::TypeKind::ListType) {
        optional_elems = type->castRaw<c10::ListType>()->getElementType()->kind() == c10::TypeKind::OptionalType;
      }
      if (optional_elems) {  // e.g. aten::index takes Tensor?[]
        c10::List<c10::optional<at::Tensor>> l;
        for (int k = 0; k < v.len; k++)
          l.push_back(ts[k] ? c10::optional<at::Tensor>(ts[k]->t) : c10::optional<at::Tensor>());
        return c10::IValue(l);
      }
      c10::List<at::Tensor> l;
      for (int k = 0; k < v.len; k++) l.push_back(ts[k] ? ts[k]->t : at::Tensor());
      return c10::IValue(l);
    }
    case SA_STRING:
      return c10::IValue(std::string(static_cast<const char*>(v.p)));
    case SA_DEVICE:
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(v.i), (c10::DeviceIndex)v.len));
    case SA_GENERATOR:
      return v.p ? c10::IValue(static_cast<sa_generator*>(v.p)->g) : c10::IValue();
  }
  TORCH_CHECK(false, op->full_name, ": argument '", arg.name(), "' got ", describe(v));
}

void unbox(c10::IValue& r, sa_value& out) {
  out = sa_value{SA_NONE, 0, 0, 0.0, nullptr};
  if (r.isTensor()) {
    at::Tensor t = std::move(r).toTensor();
    out.kind = SA_TENSOR;
    out.p = t.defined() ? sa::wrap(std::move(t)) : nullptr;
  } else if (r.isTensorList()) {
    auto l = std::move(r).toTensorList();
    out.kind = SA_TENSORLIST;
    out.len = (int32_t)l.size();
    auto arr = static_cast<sa_tensor**>(std::malloc(sizeof(sa_tensor*) * std::max<size_t>(1, l.size())));
    for (size_t k = 0; k < l.size(); k++) arr[k] = sa::wrap(l.get(k));
    out.p = arr;
  } else if (r.isInt()) {
    out.kind = SA_INT;
    out.i = r.toInt();
  } else if (r.isDouble()) {
    out.kind = SA_DOUBLE;
    out.d = r.toDouble();
  } else if (r.isBool()) {
    out.kind = SA_BOOL;
    out.i = r.toBool() ? 1 : 0;
  } else if (r.isNone()) {
    out.kind = SA_NONE;
  } else if (r.isIntList()) {
    auto l = r.toIntVector();
    out.kind = SA_INTLIST;
    out.len = (int32_t)l.size();
    auto arr = static_cast<int64_t*>(std::malloc(sizeof(int64_t) * std::max<size_t>(1, l.size())));
    for (size_t k = 0; k < l.size(); k++) arr[k] = l[k];
    out.p = arr;
  } else {
    TORCH_CHECK(false, "result of type ", r.tagKind(), " cannot be returned through the C ABI");
  }
}
}  // namespace

extern "C" {

sa_op* sa_op_find(const char* name, const char* overload) {
  SA_TRY
  std::string key = std::string(name) + "." + (overload ? overload : "");
  std::lock_guard<std::mutex> lock(g_ops_mutex);
  auto it = g_ops.find(key);
  if (it != g_ops.end()) return it->second;
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload ? overload : ""});
  TORCH_CHECK(handle.has_value(), "no operator ", name, (overload && *overload) ? "." : "",
              overload ? overload : "", " is registered in this libtorch");
  std::ostringstream s;
  s << handle->schema();
  auto* op = new sa_op_s{*handle, s.str(), std::string(name) + ((overload && *overload) ? std::string(".") + overload : "")};
  g_ops.emplace(key, op);
  return op;
  SA_CATCH(nullptr)
}

const char* sa_op_schema(sa_op* op) { return op ? op->schema_text.c_str() : ""; }

int sa_op_call(sa_op* op, const sa_value* args, int nargs, sa_value* outs, int cap) {
  SA_TRY
  const auto& schema = op->handle.schema();
  const auto& params = schema.arguments();
  TORCH_CHECK(nargs <= (int)params.size(), op->full_name, " takes ", params.size(), " arguments, ", nargs,
              " were given; schema: ", op->schema_text);
  torch::jit::Stack stack;
  stack.reserve(params.size());
  for (int k = 0; k < nargs; k++) stack.push_back(box(args[k], params[k], op));
  for (size_t k = nargs; k < params.size(); k++) {
    TORCH_CHECK(params[k].default_value().has_value(), op->full_name, ": argument '", params[k].name(),
                "' has no default and was not given; schema: ", op->schema_text);
    stack.push_back(*params[k].default_value());
  }
  op->handle.callBoxed(&stack);
  int n = (int)stack.size();
  TORCH_CHECK(n <= cap, op->full_name, " returned ", n, " results, room for ", cap);
  for (int k = 0; k < n; k++) unbox(stack[k], outs[k]);
  return n;
  SA_CATCH(-1)
}

}  // extern "C"
