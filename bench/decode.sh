#!/usr/bin/env bash
# Decoding speed, one thread: SharpASR's greedy, modified beam and Graves beam (bench/DecodeBench) beside torchaudio's
# RNNTBeamSearch (bench/peer/decode_peer.py) on the same model, weights and features, in one run. Prints a markdown
# table. RTF = (encoder + search seconds) ÷ audio seconds, one utterance per batch; feature extraction is excluded.
# tiny: a trained tiny checkpoint with WER when CHECKPOINT and MANIFEST exist, else random weights on seeded noise (the
# demo's own models are convolutional, which the peer does not build: train tiny on the demo corpus for a trained row);
# testing: always random weights (no trained copy), RTF only, on the manifest's audio when it exists. Trains nothing.
# Usage: bench/decode.sh [CHECKPOINT] [MANIFEST] [tiny utterances] [testing utterances] [beam]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
ckpt=${1:-tiny-run/checkpoints/last}; manifest=${2:-demo-out/corpus/test_open.json}; NT=${3:-40}; NS=${4:-5}; beam=${5:-4}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
cd "$root"
dotnet build bench/DecodeBench/DecodeBench.csproj -c Release -v q -nologo >/dev/null
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
v() { echo "$1" | awk -F'\t' -v k="$2" '$1==k {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
wer() { if [ "$1" = n/a ]; then echo "n/a (untrained)"; else echo "$1 %"; fi; }
notes=()

# bench NAME ARGS...: one model through both sides, three table rows
bench() {
  local name=$1; shift
  local cs py
  cs=$(dotnet bench/DecodeBench/bin/Release/net10.0/DecodeBench.dll --out "$dir" --beam "$beam" "$@")
  py=$(/usr/bin/python3 bench/peer/decode_peer.py "$dir" --threads 1)
  name="$name, $(v "$cs" utterances) utt., $(v "$cs" audio_seconds) s"
  echo "| $name | encoder alone | $(v "$cs" rtf.encoder) | $(v "$py" rtf.encoder) | $(ratio "$(v "$cs" rtf.encoder)" "$(v "$py" rtf.encoder)") | — | — |"
  echo "| $name | greedy | $(v "$cs" rtf.greedy) | — | — | $(wer "$(v "$cs" wer.greedy)") | — |"
  for d in modified_beam beam; do
    local label; [ $d = beam ] && label="Graves beam $beam" || label="modified beam $beam"
    echo "| $name | $label | $(v "$cs" rtf.$d) | $(v "$py" rtf.beam) | $(ratio "$(v "$cs" rtf.$d)" "$(v "$py" rtf.beam)") | $(wer "$(v "$cs" wer.$d)") | $(wer "$(v "$py" wer.beam)") |"
  done
  notes+=("$(echo "$name" | cut -d' ' -f1): encoder output max abs diff SharpASR vs peer $(v "$py" encoder_max_abs_diff); tokens per encoder frame: greedy $(v "$cs" tokens_per_frame.greedy), modified beam $(v "$cs" tokens_per_frame.modified_beam), Graves beam $(v "$cs" tokens_per_frame.beam), torchaudio $(v "$py" tokens_per_frame.beam)")
}

echo "| model | decoder | SharpASR RTF | torchaudio RTF | ratio | SharpASR WER | torchaudio WER |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
audio=()
if [ -f "$manifest" ]; then audio=(--manifest "$manifest"); fi
if [ -d "$ckpt" ] && [ -f "$manifest" ]; then
  bench "tiny (trained demo checkpoint)" --model "$ckpt" --manifest "$manifest" --utterances "$NT"
else
  bench "tiny (random weights, noise)" --config configs/tiny.yaml --utterances "$NT"
fi
bench "testing (random weights)" --config configs/testing.yaml "${audio[@]}" --utterances "$NS" tokenizer.vocab_size=1023
echo
echo "- torchaudio column: the peer's PyTorch encoder alone, then torchaudio.models.RNNTBeamSearch with beam $beam (encoder"
echo "  included) set like SharpASR's searches: at most 5 tokens per frame, hypotheses ranked by raw log-probability."
echo "  It is Graves-style (A and B sets, no prefix merging); it stands beside both SharpASR beams."
for n in "${notes[@]}"; do echo "- $n"; done
