#!/usr/bin/env bash
# Loader throughput (decode + resample + features) with 1 and 2 workers, WAV files vs tar shards, on the demo corpus.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
dotnet run -c Release --project "$root/bench/LoaderBench" -- "$@"
