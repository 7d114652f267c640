#!/usr/bin/env bash
# Trains every config in configs/ for N steps through `sharpasr train` on a small espeak-ng corpus (30 utterances,
# 10 sentences x 3 voices, a 48-piece BPE tokenizer from `sharpasr tokenizer train` for the SentencePiece configs)
# with each config's own optimiser, schedule, loss and clipping, batch 4, one libtorch thread; prints a Markdown
# row per config: parameters, steps/s (from the log's timestamps, first to last step) and the loss at steps 1 and N.
# Configs over ~40M parameters are shrunk by the overrides below (so a CPU finishes in minutes), and the row says so.
# Usage: bench/configs.sh [steps] [config ...]      e.g. nice -n 10 bench/configs.sh 20
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bench/cpu-env.sh"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
N=${1:-20}; shift || true
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=("$root"/configs/*.yaml)
"$root/scripts/setup.sh" >/dev/null
sharpasr() { dotnet "$root/src/SharpAsr.Cli/bin/Release/net10.0/SharpAsr.Cli.dll" "$@"; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

# the corpus: espeak-ng speaks, sox writes 16 kHz mono WAV (-R: the same bytes every run)
mkdir -p "$dir/audio"
sentences=("the cat sat on the mat" "a quick brown fox jumps" "she sells sea shells by the shore"
  "the rain in spain stays mainly in the plain" "open the door please" "turn left at the next light"
  "seven green apples fell down" "we walk to school every day" "the sun is bright this morning" "call me when you get home")
i=0
for voice in en-us en en-gb-x-rp; do
  for s in "${sentences[@]}"; do
    espeak-ng --stdout -v "$voice" "$s" | sox -R -q -t wav - -r 16000 -c 1 -b 16 "$dir/audio/u$i.wav" 2>/dev/null
    printf 'u%d.wav\t%s\n' "$i" "$s" >> "$dir/transcripts.tsv"
    i=$((i + 1))
  done
done
sharpasr manifest from-dir --audio "$dir/audio" --tsv "$dir/transcripts.tsv" --out "$dir/train.json" >/dev/null
sharpasr tokenizer train --manifest "$dir/train.json" --vocab-size 48 --type bpe --out "$dir" >/dev/null

# test-size versions of the configs too large to train quickly on a CPU (layers and widths only; the rest as
# shipped), one override a line
shrink() {
  case "$1" in
    conformer-large|fastconformer-large) echo "model.encoder.n_layers=4" ;;
    contextnet) echo "model.encoder.jasper=[{filters: 256, repeat: 1, kernel: 5, stride: 2, residual: false}, {filters: 256, repeat: 5, kernel: 5, stride: 2, residual: true}, {filters: 256, repeat: 5, kernel: 5, stride: 2, residual: true}, {filters: 640, repeat: 1, kernel: 5, stride: 1, residual: false}]" ;;
    base|large|testing) printf '%s\n' model.encoder.hidden=256 model.predictor.hidden=256 model.predictor.embed_dim=256 model.joint.hidden=256 ;;
  esac
}

echo "| config | parameters | shrunk by | steps/s | loss at step 1 | loss at step $N |"
echo "| --- | ---: | --- | ---: | ---: | ---: |"
for cfg in "${configs[@]}"; do
  name=$(basename "$cfg" .yaml)
  out="$dir/run-$name"
  mapfile -t extra < <(shrink "$name")
  tok=()
  grep -q '^  type: spe' "$cfg" && tok=("tokenizer.dir=$dir/tokenizer_spe_bpe_v48")
  sharpasr train --config "$cfg" --train-manifests "$dir/train.json" --output-dir "$out" \
    train.steps="$N" train.batch_size=4 train.grad_accumulation=1 train.log_every=1 train.val_every=0 train.save_every=0 \
    "${tok[@]}" "${extra[@]}" > "$out.txt" 2>&1 || { echo "| $name | failed: $(tail -1 "$out.txt") |"; continue; }
  /usr/bin/python3 - "$out" "$name" "$N" "${extra[*]:-}" <<'PY'
import glob, re, sys, datetime
out, name, n, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = open(glob.glob(out + "/training_log_*.txt")[0]).read().splitlines()
params = next(re.search(r"model: ([\d,]+) parameters", l).group(1) for l in lines if "model: " in l and "parameters" in l)
steps = {}
for l in lines:
    m = re.match(r"(\S+) step (\d+)/\d+  loss (\S+)", l)
    if m: steps[int(m.group(2))] = (datetime.datetime.fromisoformat(m.group(1)[:26]), float(m.group(3)))
rate = (n - 1) / (steps[n][0] - steps[1][0]).total_seconds()
shrunk = ("`" + extra + "`") if extra else "—"
if "jasper" in extra: shrunk = "`model.encoder.jasper=[…]`: 4 blocks (256, 256, 256, 640 filters)"
print(f"| {name} | {params} | {shrunk} | {rate:.2f} | {steps[1][1]:.2f} | {steps[n][1]:.2f} |")
PY
done
