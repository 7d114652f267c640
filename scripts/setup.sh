#!/usr/bin/env bash
# One-command set-up, idempotent and quick when nothing changed:
#   1. Debian packages (only the missing ones; sudo when not root, else prints the command to run),
#   2. the native shim (CMake, incremental),
#   3. the .NET solution in Release (skipped when no source is newer than the last build).
# Usage: scripts/setup.sh [--force]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
force=0
[ "${1:-}" = "--force" ] && force=1

packages=(
  cmake g++ libtorch-dev libopenblas0-pthread libgloo-dev
  libsndfile1-dev libsoxr-dev libsentencepiece-dev libicu-dev
  espeak-ng sox
  # the demo corpus: open-vocabulary text (WordNet's example sentences) and two more speech engines built from
  # recorded voices (flite; festival with CMU's kal and ked diphones)
  wordnet-base flite festival festvox-kallpc16k festvox-kdlpc16k
  # … and three more from Debian's contrib and non-free sections (MBROLA's diphones of three men, SVOX Pico's two
  # women: more recorded people in training is what carries a model to voices it never heard; RHVoice, a second
  # engine never heard in training)
  mbrola mbrola-us1 mbrola-us2 mbrola-us3 libttspico-utils rhvoice rhvoice-english
  # reference implementations the tests and benchmarks compare against (committed numbers are
  # regenerated with these; the peer benchmarks run them side by side)
  python3-torch python3-torchaudio python3-sentencepiece
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
    echo "setup: not root and no sudo; please run:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  if ! apt-cache policy mbrola libttspico-utils | grep -q "Candidate: [0-9]"; then
    # contrib and non-free are not enabled: add them, for this Debian release, beside the machine's own sources
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    list=/etc/apt/sources.list.d/sharpasr-contrib-non-free.sources
    echo "setup: enabling Debian's contrib and non-free sections for the demo's voices ($list)"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: contrib non-free\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$codename" | $sudo tee "$list" >/dev/null
    $sudo apt-get update -q >/dev/null
  fi
  # recommended packages too: the development machines were set up that way (sox formats, BLAS variants …)
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET SDK (10) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

"$root/scripts/build-native.sh"

# Rebuild .NET only when a source file is newer than the stamp of the last successful build.
stamp="$root/src/SharpAsr.Cli/bin/Release/.setup-stamp"
if [ $force -eq 1 ] || [ ! -f "$stamp" ] || \
   [ -n "$(find src tests bench native/build/libsharpasr_native.so Directory.Build.props -newer "$stamp" \
          \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.so' -o -name '*.yaml' \) -print -quit 2>/dev/null)" ]; then
  echo "setup: building .NET (Release)"
  dotnet build "$root/SharpAsr.slnx" -c Release -nologo -clp:ErrorsOnly -v:q
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
