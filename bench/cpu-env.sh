# Sourced by every bench script: one CPU setting for both sides of each comparison.
# OpenBLAS picks kernels by CPU model and falls back to SSE3 ones on a model newer than itself (Debian 12's 0.3.21 on
# Sapphire Rapids). SharpASR names the kernel set from the CPU flags (src/SharpAsr.Torch/BlasCore.cs); the PyTorch peer
# must get the same one, so it is chosen here, by the same rule, for both.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
  if has avx512f avx512bw avx512vl avx512dq avx512_bf16; then export OPENBLAS_CORETYPE=Cooperlake
  elif has avx512f avx512bw avx512vl avx512dq; then export OPENBLAS_CORETYPE=SkylakeX
  elif has avx2 fma; then export OPENBLAS_CORETYPE=Haswell
  fi
  unset flags; unset -f has
fi
