#!/usr/bin/env bash
# Every benchmark, each side by side with its PyTorch peer in the same run; writes bench/results/RESULTS.md.
# Run on a quiet machine: the numbers are ratios of two timings taken moments apart.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" >/dev/null
mkdir -p "$root/bench/results"
out="$root/bench/results/RESULTS.md"
{
  echo "# SharpASR benchmarks — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo
  echo "## Training step (1 thread)"
  echo
  echo "| model | SharpASR step | PyTorch step | time ratio | SharpASR peak RSS | PyTorch peak RSS | memory ratio | first loss (same weights and batch) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  "$root/bench/train-step.sh" configs/tiny.yaml 16 100 40 10
  if [ -f "$root/configs/testing.yaml" ]; then "$root/bench/train-step.sh" configs/testing.yaml 4 100 40 3 tokenizer.vocab_size=1023 || true; fi
  echo
  echo "## Binding overhead and sgemm"
  echo
  "$root/bench/run-torch.sh"
  echo
  echo "## Featurizer and audio decoding"
  echo
  "$root/bench/audio.sh"
  echo
  echo "## Decoding (1 thread)"
  echo
  "$root/bench/decode.sh"
  echo
  echo "## Loader (decode, resample, features, augmentation; 1 and 2 workers)"
  echo
  echo '```'
  "$root/bench/loader.sh" | grep -E 'worker|w\.'
  echo '```'
  echo
  echo "## Transducer loss (B=8, T=400; the full grid takes ~13 minutes)"
  echo
  "$root/bench/loss.sh" 8 400 "20 50 100" "256 1024" 1 | grep '^|'
} | tee "$out"
echo "written: $out"
