#!/bin/bash
# Transducer loss benchmark: SharpASR modes vs torchaudio.functional.rnnt_loss, one process per measurement.
# Usage: bench/loss.sh [B] [T] ["U list"] ["V list"] [repeats]   (defaults: 8 400 "20 50 100" "256 1024" 3)
#        MODES="pruned pruned-subbatched" bench/loss.sh …   measures only those SharpASR modes (and the peer rows they need)
# Prints one JSON line per measurement, then a table of ratios (SharpASR / torchaudio: < 1 is better). Memory: whole-
# process peak RSS, and "working" = peak minus the RSS before the first loss (each runtime's start-up left out).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/cpu-env.sh
B=${1:-8}; T=${2:-400}; US=${3:-"20 50 100"}; VS=${4:-"256 1024"}; R=${5:-3}
MODES=${MODES:-"loss plain packed subbatched pruned pruned-subbatched"}
export OPENBLAS_NUM_THREADS=1
dotnet build bench/LossBench/LossBench.csproj -c Release -v q -nologo >/dev/null
BIN=bench/LossBench/bin/Release/net10.0/LossBench
out=$(mktemp)
for U in $US; do for V in $VS; do
  [[ " $MODES " == *" loss "* ]] && /usr/bin/python3 bench/peer/rnnt_loss_torchaudio.py loss $B $T $U $V $R | tee -a "$out"
  [[ "$MODES" != "loss" ]] && /usr/bin/python3 bench/peer/rnnt_loss_torchaudio.py joint $B $T $U $V $R | tee -a "$out"
  for m in $MODES; do $BIN $m $B $T $U $V $R | tee -a "$out"; done
done; done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ref = {(r["mode"], r["U"], r["V"]): r for r in rows if r["impl"] == "torchaudio"}
print("\n| U | V | mode | ms | peak MB | working MB | time ratio vs torchaudio | peak ratio vs torchaudio | working-memory ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["impl"] != "sharpasr": continue
    t = ref[("loss" if r["mode"] == "loss" else "joint", r["U"], r["V"])]
    print(f'| {r["U"]} | {r["V"]} | {r["mode"]} | {r["ms"]} | {r["peak_mb"]} | {r["work_mb"]} | {r["ms"] / t["ms"]:.2f} | {r["peak_mb"] / t["peak_mb"]:.2f} | {r["work_mb"] / t["work_mb"]:.2f} |')
for r in rows:
    if r["impl"] == "torchaudio": print(f'| {r["U"]} | {r["V"]} | torchaudio {r["mode"]} | {r["ms"]} | {r["peak_mb"]} | {r["work_mb"]} | 1 | 1 | 1 |')
PY
rm -f "$out"
