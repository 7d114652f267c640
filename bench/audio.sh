#!/usr/bin/env bash
# Featurizer and decode throughput, SharpASR vs torchaudio, one core each, same inputs, same run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# 60 s of speech-like input: the committed espeak sample repeated, written as 16-bit WAV and FLAC
sample="$root/tests/SharpAsr.Tests/data/features/speech.wav"
inputs=()
for i in $(seq 22); do inputs+=("$sample"); done
sox "${inputs[@]}" -b 16 "$tmp/long.wav" trim 0 60
sox "$tmp/long.wav" "$tmp/long.flac"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
echo "== SharpASR"
dotnet run -c Release --project "$root/bench/AudioBench" -- "$tmp/long.wav" "$tmp/long.flac" "$@"
echo "== torchaudio $(/usr/bin/python3 -c 'import torchaudio; print(torchaudio.__version__)')"
/usr/bin/python3 "$root/bench/peer/audio_peer.py" "$tmp/long.wav" "$tmp/long.flac" "$@"
