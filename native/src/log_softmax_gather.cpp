// Log-probabilities of a few chosen classes, log_softmax(logits)[..., index], as one autograd node that keeps
// only the logits and their log-normaliser. log_softmax + gather keeps the full-size log_softmax output for
// backward and builds two more full-size buffers there (gather's zero-filled scatter and log_softmax's own
// gradient); the pruned RNN-T joint picks 2 of V classes per cell, so that was most of its memory.
#include <torch/torch.h>
#include "common.h"

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

struct LogSoftmaxGather : public torch::autograd::Function<LogSoftmaxGather> {
  // logits [..., V]; index [..., K] (int64) → picked [..., K] = logits[..., index] − logsumexp(logits, −1)
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& index) {
    at::Tensor lse = at::logsumexp(logits, {-1}, /*keepdim=*/true);
    at::Tensor picked = logits.gather(-1, index) - lse;
    ctx->save_for_backward({logits, lse, index});
    return picked;
  }

  // d picked[k] / d logits[v] = [v = index[k]] − softmax[v], so the gradient is
  // scatter_add(g) − softmax · Σ_k g[k], built in one buffer.
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &logits = saved[0], &lse = saved[1], &index = saved[2];
    const at::Tensor& g = grads[0];
    at::Tensor grad = (logits - lse).exp_();
    grad.mul_(-g.sum(-1, /*keepdim=*/true));
    grad.scatter_add_(-1, index, g);
    return {grad, at::Tensor()};
  }
};

}  // namespace

extern "C" {

int sa_log_softmax_gather(sa_tensor* logits, sa_tensor* index, sa_tensor** out) {
  SA_TRY
  TORCH_CHECK(logits && index, "sa_log_softmax_gather: logits and index are required");
  const at::Tensor &x = logits->t, &i = index->t;
  TORCH_CHECK(x.is_floating_point(), "sa_log_softmax_gather: logits must be floating point, got ", x.scalar_type());
  TORCH_CHECK(i.scalar_type() == at::kLong, "sa_log_softmax_gather: index must be int64, got ", i.scalar_type());
  TORCH_CHECK(x.dim() >= 1 && i.dim() == x.dim(), "sa_log_softmax_gather: index ", i.sizes(),
              " must have as many dimensions as logits ", x.sizes());
  for (int64_t d = 0; d + 1 < x.dim(); d++)
    TORCH_CHECK(i.size(d) == x.size(d), "sa_log_softmax_gather: index ", i.sizes(), " and logits ", x.sizes(),
                " differ in dimension ", d);
  *out = sa::wrap(LogSoftmaxGather::apply(x, i));
  return 0;
  SA_CATCH(-1)
}

}  // extern "C"
