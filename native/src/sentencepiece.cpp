// SentencePiece: load, encode, decode, piece<->id and training, over Debian's libsentencepiece.
// Built into libsharpasr_spm.so, without libtorch (see sentencepiece_api.h for why); the sa_spm_*
// exports of the C ABI forward here from sentencepiece_bridge.cpp.
#include "sentencepiece_api.h"
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

struct sa_spm_s {
  sentencepiece::SentencePieceProcessor sp;
};

namespace {

thread_local std::string g_last_error;

// The shim's error convention (common.h's SA_TRY/SA_CATCH), with this library's own last-error string.
#define SA_TRY try {
#define SA_CATCH(ret)                  \
  }                                    \
  catch (const std::exception& e) {    \
    g_last_error = e.what();           \
    return ret;                        \
  }                                    \
  catch (...) {                        \
    g_last_error = "unknown C++ exception"; \
    return ret;                        \
  }

// SentencePiece reports failures as util::Status; the shim's guard turns exceptions into sa_last_error.
void check(const sentencepiece::util::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.ToString());
}

void check_model(sa_spm* m) {
  if (!m) throw std::invalid_argument("SentencePiece model handle is NULL");
}

void check_id(sa_spm* m, int id) {
  int size = m->sp.GetPieceSize();
  // SentencePiece indexes its proto without a bounds check, so an out-of-range id must stop here.
  if (id < 0 || id >= size)
    throw std::out_of_range("SentencePiece id " + std::to_string(id) + " is outside the vocabulary [0, " +
                            std::to_string(size) + ")");
}

template <typename T>
T* malloc_array(size_t n) {
  T* p = static_cast<T*>(std::malloc(std::max<size_t>(n, 1) * sizeof(T)));
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

namespace {

const char* spm_last_error(void) { return g_last_error.c_str(); }


sa_spm* spm_load(const char* path) {
  SA_TRY
  if (!path) throw std::invalid_argument("SentencePiece model path is NULL");
  auto m = std::make_unique<sa_spm_s>();
  check(m->sp.Load(path), std::string("cannot load SentencePiece model '") + path + "'");
  return m.release();
  SA_CATCH(nullptr)
}

sa_spm* spm_load_bytes(const void* data, int64_t nbytes) {
  SA_TRY
  if (!data || nbytes <= 0) throw std::invalid_argument("SentencePiece model bytes are empty");
  auto m = std::make_unique<sa_spm_s>();
  check(m->sp.LoadFromSerializedProto(std::string(static_cast<const char*>(data), (size_t)nbytes)),
        "cannot load SentencePiece model from bytes");
  return m.release();
  SA_CATCH(nullptr)
}

void spm_free(sa_spm* m) { delete m; }

int spm_vocab_size(sa_spm* m) {
  SA_TRY
  check_model(m);
  return m->sp.GetPieceSize();
  SA_CATCH(-1)
}

int spm_unk_id(sa_spm* m) {
  SA_TRY
  check_model(m);
  return m->sp.unk_id();
  SA_CATCH(-1)
}

int spm_is_control(sa_spm* m, int id) {
  SA_TRY
  check_model(m);
  check_id(m, id);
  return m->sp.IsControl(id) ? 1 : 0;
  SA_CATCH(-1)
}

int spm_encode_ids(sa_spm* m, const char* text, int64_t nbytes, int32_t** out) {
  SA_TRY
  check_model(m);
  if (!out) throw std::invalid_argument("out is NULL");
  *out = nullptr;
  std::vector<int> ids;
  check(m->sp.Encode(std::string_view(text ? text : "", text ? (size_t)nbytes : 0), &ids), "SentencePiece encode");
  int32_t* buf = malloc_array<int32_t>(ids.size());
  for (size_t i = 0; i < ids.size(); i++) buf[i] = ids[i];
  *out = buf;
  return (int)ids.size();
  SA_CATCH(-1)
}

int spm_encode_pieces(sa_spm* m, const char* text, int64_t nbytes, char** out, int64_t* out_bytes) {
  SA_TRY
  check_model(m);
  if (!out || !out_bytes) throw std::invalid_argument("out is NULL");
  *out = nullptr;
  *out_bytes = 0;
  std::vector<std::string> pieces;
  check(m->sp.Encode(std::string_view(text ? text : "", text ? (size_t)nbytes : 0), &pieces),
        "SentencePiece encode");
  size_t total = 0;
  for (const auto& p : pieces) total += p.size() + 1;
  char* buf = malloc_array<char>(total);
  size_t at = 0;
  for (const auto& p : pieces) {
    std::memcpy(buf + at, p.data(), p.size());
    at += p.size();
    buf[at++] = '\0';
  }
  *out = buf;
  *out_bytes = (int64_t)total;
  return (int)pieces.size();
  SA_CATCH(-1)
}

int64_t spm_decode_ids(sa_spm* m, const int32_t* ids, int n, char** out) {
  SA_TRY
  check_model(m);
  if (!out) throw std::invalid_argument("out is NULL");
  *out = nullptr;
  std::vector<int> v(n > 0 ? n : 0);
  for (int i = 0; i < n; i++) {
    check_id(m, ids[i]);
    v[i] = ids[i];
  }
  std::string text;
  check(m->sp.Decode(v, &text), "SentencePiece decode");
  char* buf = malloc_array<char>(text.size() + 1);
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  *out = buf;
  return (int64_t)text.size();
  SA_CATCH(-1)
}

int spm_piece_to_id(sa_spm* m, const char* piece) {
  SA_TRY
  check_model(m);
  if (!piece) throw std::invalid_argument("piece is NULL");
  return m->sp.PieceToId(piece);
  SA_CATCH(-1)
}

const char* spm_id_to_piece(sa_spm* m, int id) {
  SA_TRY
  check_model(m);
  check_id(m, id);
  return m->sp.IdToPiece(id).c_str();
  SA_CATCH(nullptr)
}

int spm_train(const char* const* keys, const char* const* values, int n) {
  SA_TRY
  std::unordered_map<std::string, std::string> kwargs;
  for (int i = 0; i < n; i++) {
    if (!keys[i] || !values[i]) throw std::invalid_argument("SentencePiece training flag " + std::to_string(i) + " is NULL");
    kwargs[keys[i]] = values[i];
  }
  check(sentencepiece::SentencePieceTrainer::Train(kwargs), "SentencePiece training");
  return 0;
  SA_CATCH(-1)
}

}  // namespace

extern "C" const sa_spm_api* sa_spm_get_api(void) {
  static const sa_spm_api api = {spm_last_error, spm_load,      spm_load_bytes,    spm_free,
                                 spm_vocab_size, spm_unk_id,    spm_is_control,    spm_encode_ids,
                                 spm_encode_pieces, spm_decode_ids, spm_piece_to_id, spm_id_to_piece,
                                 spm_train};
  return &api;
}
