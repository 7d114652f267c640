#!/usr/bin/env bash
# Builds the native shim (native/) into native/build/ with CMake, incrementally.
# A CUDA libtorch from elsewhere: LIBTORCH=/path/to/libtorch (or Torch_DIR=.../share/cmake/Torch).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/native/build"
args=(-S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=Release)
[ -n "${Torch_DIR:-}" ] && args+=("-DTorch_DIR=$Torch_DIR")
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake "${args[@]}" >/dev/null
fi
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -vE '^\[|^gmake|Consolidate compiler generated dependencies|Built target' || true
test -f "$build/libsharpasr_native.so"
