/*
 * sharpasr_native.h — the whole C ABI of SharpASR's native shim.
 *
 * The shim is a binding, not a library of models: it exposes libtorch's operators through the
 * dispatcher by schema name (one generic call), plus what the dispatcher cannot reach (tensor
 * lifetime, host copies, autograd entry points, generators, SentencePiece, c10d).
 *
 * Error convention: every function catches every C++ exception. Functions returning a pointer
 * return NULL on failure; functions returning int return a negative value on failure. The message
 * is then available from sa_last_error() (thread-local, valid until the next failing call).
 */
#ifndef SHARPASR_NATIVE_H
#define SHARPASR_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SA_API __attribute__((visibility("default")))

typedef struct sa_tensor_s sa_tensor;       /* owns one at::Tensor reference */
typedef struct sa_op_s sa_op;               /* a cached c10::OperatorHandle, never freed */
typedef struct sa_generator_s sa_generator; /* an owned at::Generator */

/* ---- errors ---------------------------------------------------------------------------------- */
SA_API const char* sa_last_error(void);

/* ---- runtime --------------------------------------------------------------------------------- */
SA_API const char* sa_torch_version(void);
SA_API int sa_cuda_is_available(void);
SA_API int sa_cuda_device_count(void);
SA_API int sa_set_num_threads(int n);
/* Flush denormal floats to zero on the calling thread and libtorch's intra-op threads (1 = done, 0 = CPU lacks it). */
SA_API int sa_set_flush_denormal(int on);
SA_API int sa_get_num_threads(void);
SA_API int sa_manual_seed(uint64_t seed);
/* State of the default CPU generator (dropout) as bytes; get returns the needed size. */
SA_API int64_t sa_get_rng_state(void* buf, int64_t cap);
SA_API int sa_set_rng_state(const void* buf, int64_t n);
SA_API int sa_set_grad_enabled(int enabled);
SA_API int sa_is_grad_enabled(void);
/* Operators known to the dispatcher, one "name.overload" per line into buf; returns the needed size. */
SA_API int64_t sa_list_ops(char* buf, int64_t cap);

/* ---- dtypes and devices ---------------------------------------------------------------------- */
/* dtype codes are c10::ScalarType values: 3 int32, 4 int64, 5 float16, 6 float32, 7 float64,
 * 11 bool, 15 bfloat16. Device types are c10::DeviceType values: 0 cpu, 1 cuda. */

/* ---- tensor lifetime and host copies --------------------------------------------------------- */
SA_API void sa_tensor_free(sa_tensor* t);
SA_API sa_tensor* sa_tensor_clone_handle(sa_tensor* t); /* a second reference to the same tensor */
/* Copies nbytes of host memory into a new contiguous tensor on the given device. */
SA_API sa_tensor* sa_tensor_from_host(const void* data, int64_t nbytes, const int64_t* shape, int ndim,
                                      int dtype, int device_type, int device_index);
/* Copies the tensor (any device, any strides) into dst as contiguous data; nbytes must match. */
SA_API int sa_tensor_to_host(sa_tensor* t, void* dst, int64_t nbytes);
SA_API int sa_tensor_ndim(sa_tensor* t);
SA_API int sa_tensor_shape(sa_tensor* t, int64_t* out, int cap);
SA_API int sa_tensor_dtype(sa_tensor* t);
SA_API int sa_tensor_device(sa_tensor* t, int* device_type, int* device_index);
SA_API int64_t sa_tensor_numel(sa_tensor* t);
SA_API int sa_tensor_defined(sa_tensor* t);
/* A pointer to contiguous CPU data of the tensor itself (NULL if not CPU-contiguous). */
SA_API void* sa_tensor_data_ptr(sa_tensor* t);

/* ---- autograd -------------------------------------------------------------------------------- */
SA_API int sa_tensor_requires_grad(sa_tensor* t);
SA_API int sa_tensor_set_requires_grad(sa_tensor* t, int requires_grad);
/* Returns the .grad tensor (NULL with empty error when undefined: check sa_last_error()[0]). */
SA_API sa_tensor* sa_tensor_grad(sa_tensor* t);
SA_API int sa_tensor_set_grad(sa_tensor* t, sa_tensor* grad); /* grad NULL clears it */
SA_API int sa_tensor_is_leaf(sa_tensor* t);
/* torch.autograd.backward(tensors, grad_tensors); grads may be NULL or hold NULL entries. */
SA_API int sa_backward(sa_tensor** tensors, sa_tensor** grads, int n, int retain_graph, int create_graph);
/* torch.autograd.grad(outputs, inputs, grad_outputs): writes n_in new handles into out. */
SA_API int sa_grad(sa_tensor** outputs, sa_tensor** grad_outputs, int n_out, sa_tensor** inputs, int n_in,
                   int retain_graph, int create_graph, int allow_unused, sa_tensor** out);
/* In-place, autograd-invisible update: dst.data.copy_(src) (for optimizers and weight loading). */
SA_API int sa_tensor_copy_data(sa_tensor* dst, sa_tensor* src);
/* Replaces dst's data (shape, dtype, device may change) keeping its identity: tensor.data = src (Module.To). */
SA_API int sa_tensor_set_data(sa_tensor* dst, sa_tensor* src);

/* ---- generators ------------------------------------------------------------------------------ */
SA_API sa_generator* sa_generator_new(uint64_t seed, int device_type, int device_index);
SA_API void sa_generator_free(sa_generator* g);
SA_API int sa_generator_set_seed(sa_generator* g, uint64_t seed);
/* The generator's full state as bytes (for resumable training); returns needed size. */
SA_API int64_t sa_generator_get_state(sa_generator* g, void* buf, int64_t cap);
SA_API int sa_generator_set_state(sa_generator* g, const void* buf, int64_t n);

/* ---- the generic operator call --------------------------------------------------------------- */
enum sa_kind {
  SA_NONE = 0,
  SA_TENSOR = 1,      /* p: sa_tensor* (NULL = undefined tensor) */
  SA_INT = 2,         /* i */
  SA_DOUBLE = 3,      /* d */
  SA_BOOL = 4,        /* i != 0 */
  SA_INTLIST = 5,     /* p: const int64_t*, len */
  SA_TENSORLIST = 6,  /* p: sa_tensor* const*, len */
  SA_DOUBLELIST = 7,  /* p: const double*, len */
  SA_STRING = 8,      /* p: const char* (UTF-8, NUL-terminated) */
  SA_DTYPE = 9,       /* i: ScalarType code */
  SA_DEVICE = 10,     /* i: device type, len: device index (-1 = current) */
  SA_GENERATOR = 11,  /* p: sa_generator* */
  SA_BOOLLIST = 12    /* p: const int64_t* (0/1), len (used for e.g. std::array<bool,N>) */
};

typedef struct sa_value_s {
  int32_t kind;
  int32_t len;
  int64_t i;
  double d;
  void* p;
} sa_value;

/* Finds an operator by schema name and overload ("" for the default overload); cached, never freed. */
SA_API sa_op* sa_op_find(const char* name, const char* overload);
/* The operator's schema as text (for error messages and discovery). */
SA_API const char* sa_op_schema(sa_op* op);
/*
 * Calls the operator with nargs positional arguments; missing trailing arguments take the schema's
 * defaults. Results are written to outs (at most cap): tensors as new owned handles, tensor lists as
 * a malloc'd array of new handles (free the array with sa_free, each handle with sa_tensor_free),
 * ints/doubles/bools by value. Returns the number of results, or -1 on error.
 */
SA_API int sa_op_call(sa_op* op, const sa_value* args, int nargs, sa_value* outs, int cap);
SA_API void sa_free(void* p);

/* ---- fused LSTM layer ------------------------------------------------------------------------ */
/* One unidirectional LSTM layer on the CPU (float32/float64) as a single autograd node with a hand-written
 * backward (native/src/lstm.cpp): libtorch's CPU LSTM backward runs every step as separate nodes, each with
 * its own small weight-gradient GEMMs, which dominated a training step. Same math and gate order (i, f, g, o)
 * as torch.nn.LSTM. x is time-major [T, B, in]; w_ih [4H, in], w_hh [4H, H], b_ih, b_hh [4H]; h0, c0 [B, H]
 * both given or both NULL (zero state). Writes three new handles into out: y [T, B, H], h_n, c_n [B, H].
 * Returns 0, or -1 with the reason (wrong device, dtype or shape) in sa_last_error(). */
SA_API int sa_lstm_layer(sa_tensor* x, sa_tensor* w_ih, sa_tensor* w_hh, sa_tensor* b_ih, sa_tensor* b_hh,
                         sa_tensor* h0, sa_tensor* c0, sa_tensor** out);

/* ---- log-probabilities of chosen classes -------------------------------------------------------- */
/* log_softmax(logits, -1).gather(-1, index) as one autograd node (native/src/log_softmax_gather.cpp) that saves
 * only the logits and their log-normaliser and builds its gradient in one buffer. logits [..., V] floating point;
 * index [..., K] int64 with the same leading sizes. Writes one new handle, [..., K]. Returns 0 or -1. */
SA_API int sa_log_softmax_gather(sa_tensor* logits, sa_tensor* index, sa_tensor** out);

/* ---- dropout ---------------------------------------------------------------------------------- */
/* Training-mode dropout, x · keep / (1 − p), as one autograd node (native/src/dropout.cpp). On CPU the keep mask
 * comes from a counter-based hash of one seed per call, drawn from the default CPU generator, and is computed over
 * libtorch's intra-op threads (the same mask for any thread count); on CUDA it is aten::dropout. p in [0, 1].
 * Writes one new handle. Returns 0 or -1. */
SA_API int sa_dropout(sa_tensor* x, double p, sa_tensor** out);

/* ---- optimizers ------------------------------------------------------------------------------- */
/* One AdamW step (torch.optim.AdamW's update, decoupled weight decay) for count parameters, in place: params[i],
 * exp_avgs[i] and exp_avg_sqs[i] are updated from grads[i] with weight_decays[i]; step counts from 1 (the bias
 * corrections 1 − β^step). Contiguous float32 CPU tensors are updated in one fused pass over libtorch's intra-op
 * threads (native/src/optim.cpp), others with aten's ops. Returns 0 or -1. */
SA_API int sa_adamw_step(sa_tensor** params, sa_tensor** grads, sa_tensor** exp_avgs, sa_tensor** exp_avg_sqs,
                         const double* weight_decays, int64_t count, double lr, double beta1, double beta2, double eps,
                         int64_t step);

/* ---- SentencePiece --------------------------------------------------------------------------- */
/* A loaded sentencepiece::SentencePieceProcessor. Text is UTF-8 with an explicit byte length.
 * Results of variable size are returned in malloc'd buffers the caller frees with sa_free. */
typedef struct sa_spm_s sa_spm;

/* Loads a tokenizer.model file (NeMo's and caiman's load unchanged). */
SA_API sa_spm* sa_spm_load(const char* path);
/* Loads a model from its serialized ModelProto bytes (e.g. read out of a .nemo archive). */
SA_API sa_spm* sa_spm_load_bytes(const void* data, int64_t nbytes);
SA_API void sa_spm_free(sa_spm* m);
/* Number of pieces (ids are 0 .. size-1). */
SA_API int sa_spm_vocab_size(sa_spm* m);
/* The id of the unknown piece, or -1 when the model has none. */
SA_API int sa_spm_unk_id(sa_spm* m);
/* 1 when id is a control symbol (<s>, </s>, user control symbols), 0 otherwise, -1 on a bad id. */
SA_API int sa_spm_is_control(sa_spm* m, int id);
/* Encodes text into ids; *out receives a malloc'd array. Returns the number of ids, -1 on failure. */
SA_API int sa_spm_encode_ids(sa_spm* m, const char* text, int64_t nbytes, int32_t** out);
/* Encodes text into pieces; *out receives a malloc'd buffer of NUL-terminated pieces one after the
 * other and *out_bytes its size. Returns the number of pieces, -1 on failure. */
SA_API int sa_spm_encode_pieces(sa_spm* m, const char* text, int64_t nbytes, char** out, int64_t* out_bytes);
/* Decodes ids (each must be in 0 .. size-1) into text; *out receives a malloc'd NUL-terminated buffer.
 * Returns the text's byte length, -1 on failure. */
SA_API int64_t sa_spm_decode_ids(sa_spm* m, const int32_t* ids, int n, char** out);
/* The id of a piece (the unknown id when the piece is not in the vocabulary); -1 on failure. */
SA_API int sa_spm_piece_to_id(sa_spm* m, const char* piece);
/* The piece of an id as a pointer into the model (valid while m lives); NULL when out of range. */
SA_API const char* sa_spm_id_to_piece(sa_spm* m, int id);
/* Trains a model as SentencePieceTrainer::Train(kwargs) does: n flag names without "--" (input,
 * model_prefix, vocab_size, model_type, ...) and their values. Key/value pairs rather than one
 * command-line string so that paths with spaces survive. Returns 0, or -1 with the trainer's message. */
SA_API int sa_spm_train(const char* const* keys, const char* const* values, int n);


/* ---- c10d ------------------------------------------------------------------------------------ */
/* A torch.distributed process group (native/src/distributed.cpp): rendezvous through a TCPStore that
 * rank 0 serves at master_addr:master_port, then ProcessGroupGloo ("gloo": CPU tensors; GLOO_SOCKET_IFNAME
 * picks the interface) or ProcessGroupNCCL ("nccl": only in a shim built against a CUDA libtorch).
 * Every collective is synchronous and waits at most timeout_ms; failures name the rank and operation. */
typedef struct sa_pg_s sa_pg;

SA_API sa_pg* sa_pg_new(const char* backend, const char* master_addr, int master_port, int rank, int world_size,
                        int64_t timeout_ms);
SA_API void sa_pg_free(sa_pg* pg);
SA_API int sa_pg_rank(sa_pg* pg);
SA_API int sa_pg_world_size(sa_pg* pg);
/* In-place all-reduce of each of n contiguous tensors; op 0 sum, 1 product, 2 min, 3 max. 0 or -1. */
SA_API int sa_pg_all_reduce(sa_pg* pg, sa_tensor** tensors, int n, int op);
/* In-place broadcast of each of n contiguous tensors from rank root. 0 or -1. */
SA_API int sa_pg_broadcast(sa_pg* pg, sa_tensor** tensors, int n, int root);
SA_API int sa_pg_barrier(sa_pg* pg);

#ifdef __cplusplus
}
#endif
#endif
