// Internal to the shim: the function table that libsharpasr_spm.so (sentencepiece.cpp) hands to
// libsharpasr_native.so (sentencepiece_bridge.cpp).
//
// Why two libraries: Debian's libsentencepiece carries its own copy of protobuf-lite and exports its
// symbols, while libtorch links the system libprotobuf. Loaded in one link map they interpose on each
// other and the process crashes in protobuf's static initialisers. So SentencePiece lives in its own
// library, which the shim opens with RTLD_LOCAL | RTLD_DEEPBIND: each copy of protobuf then binds to itself.
#pragma once
#include <stdint.h>
#include "sharpasr_native.h"

extern "C" {
typedef struct sa_spm_api_s {
  const char* (*last_error)(void);
  sa_spm* (*load)(const char* path);
  sa_spm* (*load_bytes)(const void* data, int64_t nbytes);
  void (*free_model)(sa_spm* m);
  int (*vocab_size)(sa_spm* m);
  int (*unk_id)(sa_spm* m);
  int (*is_control)(sa_spm* m, int id);
  int (*encode_ids)(sa_spm* m, const char* text, int64_t nbytes, int32_t** out);
  int (*encode_pieces)(sa_spm* m, const char* text, int64_t nbytes, char** out, int64_t* out_bytes);
  int64_t (*decode_ids)(sa_spm* m, const int32_t* ids, int n, char** out);
  int (*piece_to_id)(sa_spm* m, const char* piece);
  const char* (*id_to_piece)(sa_spm* m, int id);
  int (*train)(const char* const* keys, const char* const* values, int n);
} sa_spm_api;

/* The one export of libsharpasr_spm.so. */
__attribute__((visibility("default"))) const sa_spm_api* sa_spm_get_api(void);
}
