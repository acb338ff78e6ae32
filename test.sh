#!/usr/bin/env bash
# Every test of Offload: the same set-up as ./run.sh (installs Azurite and ffmpeg when missing), then the fast
# tests and the integration tests (real Azurite, real ffmpeg, the server as its own process).
#   ./test.sh                       everything
#   ./test.sh --filter "Category"   passed on to dotnet test
set -euo pipefail
cd "$(dirname "$0")"
CONFIGURATION=${CONFIGURATION:-Release}
RESULTS=$(mktemp -d)

./run.sh --install

echo "[offload] building ($CONFIGURATION)"
dotnet build Functions.sln -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly

status=0
for project in tests/Offload.Tests tests/Offload.IntegrationTests; do
  echo "[offload] testing $project"
  dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo --blame-hang-timeout 10m "$@" 2>&1 \
    | tee -a "$RESULTS/out.txt" || status=1
done

# One closing line for every runner: "N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$RESULTS/out.txt" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$RESULTS/out.txt" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$RESULTS/out.txt" | awk '{s+=$2} END {print s+0}')
rm -rf "$RESULTS"
[ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
