#!/usr/bin/env bash
# All-reduce time per training step for a 49M-parameter model (caiman `testing`), 2 local processes over
# Gloo: SharpASR's bucketed gradient averaging and one flat all_reduce, next to PyTorch's Gloo all_reduce.
# Usage: bench/allreduce.sh [floats] [nproc]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
floats="${1:-49000000}"; nproc="${2:-2}"
"$root/scripts/build-native.sh"
dotnet build "$root/bench/AllReduceBench/AllReduceBench.csproj" -c Release -v q -nologo >/dev/null
export OPENBLAS_NUM_THREADS=1
cs="$(dotnet "$root/bench/AllReduceBench/bin/Release/net10.0/AllReduceBench.dll" --nproc "$nproc" --floats "$floats" | sed -n 's/^\[rank 0\] //p')"
py="$(/usr/bin/python3 "$root/bench/peer/allreduce_peer.py" --nproc "$nproc" --floats "$floats")"
v() { awk -F'\t' -v k="$2" '$1==k {print $2}' <<<"$1"; }
echo "| $floats floats, $nproc processes, Gloo on loopback | SharpASR (C#) | PyTorch (Python) |"
echo "| --- | ---: | ---: |"
echo "| gradient averaging per step (25 MB buckets: cat, all_reduce, ÷ world, copy back), ms | $(v "$cs" bucketed_ms) | – |"
echo "| one all_reduce of one flat buffer, ms | $(v "$cs" flat_ms) | $(v "$py" flat_ms) |"
echo "| algorithm bandwidth of that all_reduce, GB/s | $(v "$cs" flat_GBps) | $(v "$py" flat_GBps) |"
