#!/usr/bin/env bash
# The test command (README; .ci/run calls exactly this). Sets up like the launcher, then runs the xunit suite.
# The shared mirror beside the clone (../shared: models/ and datasets/) is where the tests find XFeat and DAVIS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EDGESAM_BOOTSTRAP_TESTS=1 "$root/src/bootstrap.sh"
if [ -z "${EDGESAM_MODEL_MIRROR:-}" ] && [ -d "$root/../shared/models" ]; then
  export EDGESAM_MODEL_MIRROR="$(cd "$root/../shared/models" && pwd)"
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test "$root/EdgeSam.Video.sln" -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for whoever reads the log: "tests: N passed, N failed, N skipped".
summary="$(grep -E "^(Passed|Failed)!" "$log" || true)"
if [ -n "$summary" ]; then
  sum() { echo "$summary" | sed -nE "s/.*$1: +([0-9]+).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
  echo "tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
fi
exit "$rc"
