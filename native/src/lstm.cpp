// A fused CPU LSTM layer (forward + hand-written backward) as one autograd node.
//
// Why: libtorch's CPU LSTM records every time step's cell as separate autograd nodes, so its backward
// does, per step, a small weight-gradient GEMM for w_hh and w_ih plus an accumulate-add. Here the
// backward keeps per step only what the recurrence needs (the pointwise gate gradient and one GEMM
// for dh_{t-1}) and computes the weight, bias and input gradients for all frames at once afterwards.
//
// Layout: time-major x [T, B, in] (the caller transposes once for all layers), gates and cells
// [T, B, 4H] / [T, B, H] contiguous, so a step's rows are one contiguous [B, ·] block and all frames
// are one [T·B, ·] matrix. Gate order i, f, g, o and the formulas are those of torch.nn.LSTM.
#include "common.h"
#include "lstm_math.h"
#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

namespace {

// The cell loops are built twice on x86-64, for AVX2+FMA (8 floats a vector) and for the baseline (SSE2, 4),
// and the loader picks one by the CPU: about a third less time in the nonlinearities where AVX2 exists.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SA_CELL_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define SA_CELL_CLONES
#endif

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One forward step's pointwise part: pre-activation gates [B, 4H] (input and recurrent projections
// already summed) become the activations i, f, g, o in place; writes the cell c and the output h.
// c_prev is zeros at the first step without an initial state (one code path keeps the loop vectorizable).
template <typename T>
SA_CELL_CLONES void cell_forward(T* __restrict gates, const T* __restrict c_prev, T* __restrict c, T* __restrict h, int64_t batch,
                  int64_t hidden) {
  for (int64_t b = 0; b < batch; b++) {
    T* __restrict gi = gates + b * 4 * hidden;
    T* __restrict gf = gi + hidden;
    T* __restrict gg = gf + hidden;
    T* __restrict go = gg + hidden;
    const T* __restrict cp = c_prev + b * hidden;
    T* __restrict cb = c + b * hidden;
    T* __restrict hb = h + b * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      T i = sa_lstm::sigmoid(gi[j]), f = sa_lstm::sigmoid(gf[j]), g = sa_lstm::tanh(gg[j]), o = sa_lstm::sigmoid(go[j]);
      T cell = i * g + f * cp[j];
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      cb[j] = cell;
      hb[j] = o * sa_lstm::tanh(cell);
    }
  }
}

// One backward step's pointwise part. In: the activations of step t, its cell c and the previous
// cell c_prev (zeros at the first step without an initial state), dL/dh_t as the output's gradient dy
// plus the recurrent term dh_rec, dc = dL/dc_t from later steps. Out: dgates [B, 4H] (gradient of the
// pre-activation gates) and dc replaced by dL/dc_{t-1}.
template <typename T>
SA_CELL_CLONES void cell_backward(const T* __restrict act, const T* __restrict c, const T* __restrict c_prev, const T* __restrict dy,
                   const T* __restrict dh_rec, T* __restrict dc, T* __restrict dgates, int64_t batch, int64_t hidden) {
  for (int64_t b = 0; b < batch; b++) {
    const T* __restrict ai = act + b * 4 * hidden;
    const T* __restrict af = ai + hidden;
    const T* __restrict ag = af + hidden;
    const T* __restrict ao = ag + hidden;
    const T* __restrict cb = c + b * hidden;
    const T* __restrict cp = c_prev + b * hidden;
    const T* __restrict dyb = dy + b * hidden;
    const T* __restrict drb = dh_rec + b * hidden;
    T* __restrict dcb = dc + b * hidden;
    T* __restrict di = dgates + b * 4 * hidden;
    T* __restrict df = di + hidden;
    T* __restrict dg = df + hidden;
    T* __restrict dout = dg + hidden;
    for (int64_t j = 0; j < hidden; j++) {
      T i = ai[j], f = af[j], g = ag[j], o = ao[j], dh = dyb[j] + drb[j];
      T tc = sa_lstm::tanh(cb[j]);
      T dct = dcb[j] + dh * o * (T(1) - tc * tc);
      dout[j] = dh * tc * o * (T(1) - o);
      di[j] = dct * g * i * (T(1) - i);
      df[j] = dct * cp[j] * f * (T(1) - f);
      dg[j] = dct * i * (T(1) - g * g);
      dcb[j] = dct * f;
    }
  }
}

struct LstmLayer : public torch::autograd::Function<LstmLayer> {
  // x [T, B, in]; h0, c0 [B, H] both given or both absent (zero state). Returns y [T, B, H], h_n, c_n [B, H].
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x_in, const at::Tensor& w_ih,
                               const at::Tensor& w_hh, const at::Tensor& b_ih, const at::Tensor& b_hh,
                               const c10::optional<at::Tensor>& h0_opt, const c10::optional<at::Tensor>& c0_opt) {
    const int64_t steps = x_in.size(0), batch = x_in.size(1), in = x_in.size(2), hidden = w_hh.size(1);
    const bool has_state = h0_opt.has_value() && h0_opt->defined();
    at::Tensor x = x_in.contiguous();
    at::Tensor whh_t = w_hh.t();
    at::Tensor h0 = has_state ? h0_opt->contiguous() : at::Tensor();
    at::Tensor c0 = has_state ? c0_opt->contiguous() : at::Tensor();
    at::Tensor c_start = has_state ? c0 : at::zeros({batch, hidden}, x.options());
    // The input projection of every frame in one GEMM; the recurrent projection is added step by step.
    at::Tensor gates = at::addmm(b_ih + b_hh, x.view({steps * batch, in}), w_ih.t()).view({steps, batch, 4 * hidden});
    at::Tensor y = at::empty({steps, batch, hidden}, x.options());
    at::Tensor cells = at::empty({steps, batch, hidden}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "sa_lstm_layer forward", [&] {
      const int64_t gstride = batch * 4 * hidden, hstride = batch * hidden;  // one step of gates / of y and cells
      scalar_t* gp = gates.data_ptr<scalar_t>();
      scalar_t* cp = cells.data_ptr<scalar_t>();
      scalar_t* yp = y.data_ptr<scalar_t>();
      for (int64_t t = 0; t < steps; t++) {
        if (t > 0) gates.select(0, t).addmm_(y.select(0, t - 1), whh_t);
        else if (has_state) gates.select(0, t).addmm_(h0, whh_t);
        const scalar_t* c_prev = t > 0 ? cp + (t - 1) * hstride : c_start.data_ptr<scalar_t>();
        cell_forward<scalar_t>(gp + t * gstride, c_prev, cp + t * hstride, yp + t * hstride, batch, hidden);
      }
    });
    at::Tensor h_n = steps > 0 ? y.select(0, steps - 1).clone() : (has_state ? h0.clone() : at::zeros({batch, hidden}, x.options()));
    at::Tensor c_n = steps > 0 ? cells.select(0, steps - 1).clone() : (has_state ? c0.clone() : at::zeros({batch, hidden}, x.options()));
    ctx->saved_data["has_state"] = has_state;
    ctx->save_for_backward({x, w_ih, w_hh, h0, c0, gates, cells, y});
    return {y, h_n, c_n};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // The engine runs backward with grad mode on only for create_graph; the cell loops below are not recorded.
    TORCH_CHECK(!at::GradMode::is_enabled(),
                "sa_lstm_layer: the fused LSTM has no double backward (create_graph); use Functional.Lstm for that");
    auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &h0 = saved[3], &c0 = saved[4];
    const at::Tensor &gates = saved[5], &cells = saved[6], &y = saved[7];
    const bool has_state = ctx->saved_data["has_state"].toBool();
    const int64_t steps = x.size(0), batch = x.size(1), in = x.size(2), hidden = w_hh.size(1);
    // Grads arrive materialized (zeros where an output was unused).
    at::Tensor dy = grads[0].contiguous();
    at::Tensor dc = grads[2].clone().contiguous();  // dL/dc_t, carried backwards
    at::Tensor dh_rec = grads[1].clone().contiguous();  // recurrent term dgates_{t+1}·w_hh (h_n's grad at the end)
    at::Tensor dgates = at::empty({steps, batch, 4 * hidden}, x.options());
    at::Tensor c_start = has_state ? c0 : at::zeros({batch, hidden}, x.options());
    const bool need_state_grad = has_state && (ctx->needs_input_grad(5) || ctx->needs_input_grad(6));
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "sa_lstm_layer backward", [&] {
      const int64_t gstride = batch * 4 * hidden, hstride = batch * hidden;
      const scalar_t* gp = gates.data_ptr<scalar_t>();
      const scalar_t* cp = cells.data_ptr<scalar_t>();
      const scalar_t* dyp = dy.data_ptr<scalar_t>();
      scalar_t* dgp = dgates.data_ptr<scalar_t>();
      for (int64_t t = steps - 1; t >= 0; t--) {
        const scalar_t* c_prev = t > 0 ? cp + (t - 1) * hstride : c_start.data_ptr<scalar_t>();
        cell_backward<scalar_t>(gp + t * gstride, cp + t * hstride, c_prev, dyp + t * hstride,
                                dh_rec.data_ptr<scalar_t>(), dc.data_ptr<scalar_t>(), dgp + t * gstride, batch, hidden);
        if (t > 0 || need_state_grad) at::mm_out(dh_rec, dgates.select(0, t), w_hh);
      }
    });
    // Everything that does not feed the recurrence: one GEMM (or reduction) over all frames each.
    at::Tensor dg2 = dgates.view({steps * batch, 4 * hidden});
    at::Tensor dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0;
    if (ctx->needs_input_grad(0)) dx = at::mm(dg2, w_ih).view({steps, batch, in});
    if (ctx->needs_input_grad(1)) dw_ih = at::mm(dg2.t(), x.view({steps * batch, in}));
    if (ctx->needs_input_grad(2)) {
      // dW_hh = Σ_t dgates_tᵀ·h_{t-1}: frames 1.. against y[0..T-2], frame 0 against h0 (zero without state).
      dw_hh = at::zeros_like(w_hh);
      if (steps > 1)
        dw_hh.addmm_(dgates.narrow(0, 1, steps - 1).view({(steps - 1) * batch, 4 * hidden}).t(),
                     y.narrow(0, 0, steps - 1).view({(steps - 1) * batch, hidden}));
      if (has_state && steps > 0) dw_hh.addmm_(dgates.select(0, 0).t(), h0);
    }
    if (ctx->needs_input_grad(3) || ctx->needs_input_grad(4)) {
      at::Tensor db = dg2.sum(0);
      db_ih = db;
      db_hh = db.clone();  // not the same tensor twice: AccumulateGrad may adopt each as a .grad
    }
    if (need_state_grad) {
      dh0 = dh_rec;
      dc0 = dc;
    }
    return {dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0};
  }
};

void check_operand(const at::Tensor& t, const char* name, const at::Tensor& x, std::initializer_list<int64_t> shape) {
  TORCH_CHECK(t.defined(), "sa_lstm_layer: ", name, " is missing");
  TORCH_CHECK(t.device().is_cpu(), "sa_lstm_layer: ", name, " is on ", t.device(), "; the fused LSTM runs on the CPU");
  TORCH_CHECK(t.scalar_type() == x.scalar_type(), "sa_lstm_layer: ", name, " is ", t.scalar_type(), " but x is ",
              x.scalar_type());
  TORCH_CHECK(t.sizes().equals(shape), "sa_lstm_layer: ", name, " has shape ", t.sizes(), ", expected ",
              at::IntArrayRef(shape));
}

}  // namespace

extern "C" {

int sa_lstm_layer(sa_tensor* x, sa_tensor* w_ih, sa_tensor* w_hh, sa_tensor* b_ih, sa_tensor* b_hh, sa_tensor* h0,
                  sa_tensor* c0, sa_tensor** out) {
  SA_TRY
  TORCH_CHECK(x && w_ih && w_hh && b_ih && b_hh, "sa_lstm_layer: x, w_ih, w_hh, b_ih and b_hh are required");
  TORCH_CHECK((h0 == nullptr) == (c0 == nullptr), "sa_lstm_layer: give both h0 and c0 or neither");
  const at::Tensor& xt = x->t;
  TORCH_CHECK(xt.dim() == 3, "sa_lstm_layer: x must be [T, B, in], got shape ", xt.sizes());
  TORCH_CHECK(xt.device().is_cpu(), "sa_lstm_layer: x is on ", xt.device(), "; the fused LSTM runs on the CPU");
  TORCH_CHECK(xt.scalar_type() == at::kFloat || xt.scalar_type() == at::kDouble,
              "sa_lstm_layer: x is ", xt.scalar_type(), "; the fused LSTM takes float32 or float64");
  const int64_t batch = xt.size(1), in = xt.size(2), hidden = w_hh->t.size(-1);
  check_operand(w_ih->t, "w_ih", xt, {4 * hidden, in});
  check_operand(w_hh->t, "w_hh", xt, {4 * hidden, hidden});
  check_operand(b_ih->t, "b_ih", xt, {4 * hidden});
  check_operand(b_hh->t, "b_hh", xt, {4 * hidden});
  c10::optional<at::Tensor> h0t, c0t;
  if (h0) {
    check_operand(h0->t, "h0", xt, {batch, hidden});
    check_operand(c0->t, "c0", xt, {batch, hidden});
    h0t = h0->t;
    c0t = c0->t;
  }
  auto r = LstmLayer::apply(xt, w_ih->t, w_hh->t, b_ih->t, b_hh->t, h0t, c0t);
  for (int k = 0; k < 3; k++) out[k] = sa::wrap(std::move(r[k]));
  return 0;
  SA_CATCH(-1)
}

}  // extern "C"
