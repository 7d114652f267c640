// The sa_spm_* exports of the C ABI: they open libsharpasr_spm.so (next to this library) in its own
// symbol scope on first use and forward to it; see sentencepiece_api.h for why it is separate.
#include "common.h"
#include "sentencepiece_api.h"
#include <dlfcn.h>
#include <stdexcept>
#include <string>

namespace {

std::string own_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&sa_spm_vocab_size), &info) == 0 || !info.dli_fname) return "";
  std::string path = info.dli_fname;
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

const sa_spm_api* open_api() {
  std::string path = own_directory() + "libsharpasr_spm.so";
  // DEEPBIND: libsentencepiece's protobuf-lite must bind to itself, never to libtorch's libprotobuf.
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!lib) {
    const char* why = dlerror();
    throw std::runtime_error("cannot load the SentencePiece part of the shim (" + path + "): " + (why ? why : "") +
                             ". Rebuild native/ with scripts/build-native.sh; it needs libsentencepiece-dev.");
  }
  auto get = reinterpret_cast<const sa_spm_api* (*)(void)>(dlsym(lib, "sa_spm_get_api"));
  if (!get) throw std::runtime_error(path + " does not export sa_spm_get_api");
  return get();
}

const sa_spm_api& api() {
  static const sa_spm_api* table = open_api();  // thread-safe once; a failure is retried on the next call
  return *table;
}

// Failures of the implementation carry its own message; move it into the shim's last-error string.
template <typename T>
T checked(T result, bool failed) {
  if (failed) throw std::runtime_error(api().last_error());
  return result;
}

}  // namespace

extern "C" {

sa_spm* sa_spm_load(const char* path) {
  SA_TRY
  auto r = api().load(path);
  return checked(r, r == nullptr);
  SA_CATCH(nullptr)
}

sa_spm* sa_spm_load_bytes(const void* data, int64_t nbytes) {
  SA_TRY
  auto r = api().load_bytes(data, nbytes);
  return checked(r, r == nullptr);
  SA_CATCH(nullptr)
}

void sa_spm_free(sa_spm* m) {
  if (m) api().free_model(m);  // a model exists only if the library was loaded
}

int sa_spm_vocab_size(sa_spm* m) {
  SA_TRY
  auto r = api().vocab_size(m);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

int sa_spm_unk_id(sa_spm* m) {
  SA_TRY
  return api().unk_id(m);  // -1 is a valid answer (no <unk>)
  SA_CATCH(-1)
}

int sa_spm_is_control(sa_spm* m, int id) {
  SA_TRY
  auto r = api().is_control(m, id);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

int sa_spm_encode_ids(sa_spm* m, const char* text, int64_t nbytes, int32_t** out) {
  SA_TRY
  auto r = api().encode_ids(m, text, nbytes, out);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

int sa_spm_encode_pieces(sa_spm* m, const char* text, int64_t nbytes, char** out, int64_t* out_bytes) {
  SA_TRY
  auto r = api().encode_pieces(m, text, nbytes, out, out_bytes);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

int64_t sa_spm_decode_ids(sa_spm* m, const int32_t* ids, int n, char** out) {
  SA_TRY
  auto r = api().decode_ids(m, ids, n, out);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

int sa_spm_piece_to_id(sa_spm* m, const char* piece) {
  SA_TRY
  auto r = api().piece_to_id(m, piece);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

const char* sa_spm_id_to_piece(sa_spm* m, int id) {
  SA_TRY
  auto r = api().id_to_piece(m, id);
  return checked(r, r == nullptr);
  SA_CATCH(nullptr)
}

int sa_spm_train(const char* const* keys, const char* const* values, int n) {
  SA_TRY
  auto r = api().train(keys, values, n);
  return checked(r, r < 0);
  SA_CATCH(-1)
}

}  // extern "C"
