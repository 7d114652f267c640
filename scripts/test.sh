#!/usr/bin/env bash
# Runs the whole test suite (set-up first, so it works on a fresh machine).
# Ends with one summary line "N passed, N failed[, N skipped]".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test "$root/tests/SharpAsr.Tests/SharpAsr.Tests.csproj" -c Release --no-build -nologo \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
count() { grep -E "^\s+$1: +[0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$rc" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "error: no test ran" >&2; exit 1; fi
exit "$rc"
