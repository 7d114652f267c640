#!/usr/bin/env bash
# Runs the whole test suite (set-up first, so it works on a fresh machine).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
dotnet test "$root/tests/SharpAsr.Tests/SharpAsr.Tests.csproj" -c Release --no-build -nologo \
  --logger "console;verbosity=normal" "$@"
