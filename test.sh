#!/usr/bin/env bash
# Every test of Offload: the same set-up as ./run.sh (installs Azurite and ffmpeg when missing, plus Chromium for the
# browser playback test), then the fast tests and the integration tests (real Azurite, real ffmpeg, the server as its
# own process, headless Chromium).
#   ./test.sh                       everything
#   ./test.sh --filter "Category"   passed on to dotnet test
set -euo pipefail
cd "$(dirname "$0")"
CONFIGURATION=${CONFIGURATION:-Release}
RESULTS=$(mktemp -d)
export OFFLOAD_MEASUREMENTS="$RESULTS/measurements.txt"   # numbers the fault, load and starvation tests measured

./run.sh --install

# The publish test builds the Functions package, which bundles Debian's ffmpeg package (eng/bundle-ffmpeg.sh): an
# ffmpeg of another origin on the PATH, which satisfies ./run.sh, does not do for it.
if [ "$(dpkg-query -W -f='${db:Status-Status}' ffmpeg 2>/dev/null)" != installed ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[offload] installing Debian's ffmpeg with apt-get (the Functions package bundles it)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
  else
    echo "[offload] error: Debian's ffmpeg package is missing (the Functions package bundles it): sudo apt-get install ffmpeg" >&2
    exit 1
  fi
fi

# Test-only: Debian's headless Chromium checks that the encoded MP4 really plays in a browser.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[offload] installing chromium with apt-get (for the browser playback test)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[offload] error: /usr/bin/chromium is missing (the browser playback test needs it): sudo apt-get install chromium" >&2
    exit 1
  fi
fi

echo "[offload] building ($CONFIGURATION)"
dotnet build Functions.sln -c "$CONFIGURATION" -nologo -v quiet -clp:"ErrorsOnly;NoSummary"

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
if [ -s "$OFFLOAD_MEASUREMENTS" ]; then
  echo "[offload] measured in this run:"
  sed 's/^/  /' "$OFFLOAD_MEASUREMENTS"
fi
rm -rf "$RESULTS"
[ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
