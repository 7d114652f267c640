#!/usr/bin/env bash
# Data-parallel throughput on this machine: the tiny config trained by 1 process and by `--nproc 2` (Gloo on
# loopback, OMP_NUM_THREADS = cores ÷ 2 each), in audio-seconds per second of the whole job as the trainer's last
# log line reports it (mean since the run started). train.batch_size is per rank: 2 ranks read twice the audio per step.
# Usage: bench/dist-throughput.sh [steps] [train-utterances]   (BENCH_DIR keeps the synthesised corpus between runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
steps="${1:-30}"; utts="${2:-400}"
dir="${BENCH_DIR:-$(mktemp -d)}"
export OPENBLAS_NUM_THREADS=1
# the demo corpus (espeak-ng speech, cached in $dir/demo/corpus); one training step is the cheapest way to make it
[ -f "$dir/demo/corpus/train.json" ] || "$root/sharpasr" demo --output-dir "$dir/demo" --train-utterances "$utts" --steps 1 >/dev/null
echo "| tiny, batch 16 per rank, $steps steps | processes | audio-s/s (job) | wall s |"
echo "| --- | ---: | ---: | ---: |"
for n in 1 2; do
  out="$dir/out-$n"; rm -rf "$out"
  start=$(date +%s.%N)
  log="$("$root/sharpasr" train --nproc "$n" --config "$root/configs/tiny.yaml" --train-manifests "$dir/demo/corpus/train.json" \
      --output-dir "$out" train.steps="$steps" train.val_every=0 train.save_every=0 train.log_every=10 2>&1)"
  wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')
  rate="$(grep -o "step $steps/$steps .* \([0-9.]*\) audio-s/s" <<<"$log" | sed 's/.*  \([0-9.]*\) audio-s\/s/\1/' | tail -1)"
  echo "| | $n | $rate | $wall |"
done
