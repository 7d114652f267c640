#!/usr/bin/env bash
# Training step (forward, RNN-T loss, backward, AdamW) of the same model, weights and batch in
# SharpASR and in PyTorch + torchaudio, one thread each (THREADS=N for more), in one run; checks the first loss agrees.
# Usage: bench/train-step.sh [config] [batch] [frames] [tokens] [steps] [--precision bf16] [overrides...]
# (an LSTM or a contextnet encoder, an LSTM or a stateless predictor, e.g. configs/demo-quick.yaml; bf16 only where the
# CPU has bf16 instructions)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
cfg=${1:-configs/tiny.yaml}; B=${2:-16}; T=${3:-100}; U=${4:-40}; S=${5:-10}
threads=${THREADS:-1}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=$threads
dotnet build "$root/bench/TrainStepBench/TrainStepBench.csproj" -c Release -v q -nologo >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cs=$(cd "$root" && dotnet bench/TrainStepBench/bin/Release/net10.0/TrainStepBench.dll --config "$cfg" --batch "$B" --frames "$T" --tokens "$U" --steps "$S" --threads "$threads" --out "$dir" "${@:6}")
py=$(/usr/bin/python3 "$root/bench/peer/train_step.py" "$dir" --steps "$S" --threads "$threads")
v() { echo "$1" | awk -F'\t' -v k="$2" '$1==k {print $2}'; }
name="$(basename "$cfg" .yaml)${6:+ ${*:6}}"; [ "$threads" = 1 ] || name="$name, $threads threads"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| $name (B=$B, T=$T, U=$U, $(v "$cs" parameters) params) | $(v "$cs" step_ms_median) ms | $(v "$py" step_ms_median) ms | $(ratio "$(v "$cs" step_ms_median)" "$(v "$py" step_ms_median)") | $(v "$cs" peak_rss_mb) MB | $(v "$py" peak_rss_mb) MB | $(ratio "$(v "$cs" peak_rss_mb)" "$(v "$py" peak_rss_mb)") | $(v "$cs" first_loss) / $(v "$py" first_loss) |"
