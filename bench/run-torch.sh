#!/usr/bin/env bash
# Binding overhead, sgemm throughput and dropout, SharpTorch next to PyTorch in one run; prints a markdown table.
# Usage: bench/run-torch.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
"$root/scripts/build-native.sh"
dotnet build "$root/bench/TorchOverhead/TorchOverhead.csproj" -c Release -v q -nologo >/dev/null
cs=(dotnet "$root/bench/TorchOverhead/bin/Release/net10.0/TorchOverhead.dll")
py=(/usr/bin/python3 "$root/bench/peer/torch_overhead.py")
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for t in 1 2; do
  # OpenBLAS's own threads are set by its variable; libtorch's by --threads
  OPENBLAS_NUM_THREADS=$t "${cs[@]}" --threads $t | sed 's/^/cs\t/' >>"$out"
  OPENBLAS_NUM_THREADS=$t "${py[@]}" --threads $t | sed 's/^/py\t/' >>"$out"
done
v() { awk -F'\t' -v s="$1" -v k="$2" '$1==s && $2==k {print $3}' "$out"; }
echo "| measurement | SharpTorch (C#) | PyTorch eager (Python) | TorchScript loop (inside libtorch) |"
echo "| --- | ---: | ---: | ---: |"
echo "| add of two 1-element tensors, µs/op (results in a scope) | $(v cs add_us) | $(v py add_us) | $(v py add_script_us) |"
echo "| same, each result disposed at once, µs/op | $(v cs add_disposed_us) | | |"
echo "| sgemm 1024×1024×1024, 1 thread, GFLOP/s | $(v cs sgemm1_gflops) | $(v py sgemm1_gflops) | |"
echo "| sgemm 1024×1024×1024, 2 threads, GFLOP/s | $(v cs sgemm2_gflops) | $(v py sgemm2_gflops) | |"
echo "| dropout forward + backward, [16, 256, 64] float32, p 0.1, 1 thread, ms | $(v cs dropout1_ms) | $(v py dropout1_ms) | |"
echo "| same, 2 threads, ms | $(v cs dropout2_ms) | $(v py dropout2_ms) | |"
echo
echo "$(nproc) cores, libtorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), $(date -u +%Y-%m-%d)"
