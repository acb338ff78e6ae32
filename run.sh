#!/usr/bin/env bash
# Offload on this machine: installs what is missing, starts Azurite (unless you bring your own storage),
# starts Offload.Server on http://127.0.0.1:7071, and stops everything it started on Ctrl-C.
#
#   ./run.sh              install what is missing, then run
#   ./run.sh --install    only install what is missing (./test.sh uses this)
#
# Environment overrides:
#   AzureWebJobsStorage   a storage connection string: then no Azurite is started
#   ASPNETCORE_URLS       where the server listens (default http://127.0.0.1:7071)
#   Encoding__FfmpegFolder, Videos__MaxUploadBytes, ...   any application setting (see README)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
CONFIGURATION=${CONFIGURATION:-Release}
STATE="$ROOT/.run"

log() { printf '[offload] %s\n' "$*"; }
die() { printf '[offload] error: %s\n' "$*" >&2; exit 1; }

install_missing() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is missing: install it from https://dot.net, then run this again"
  command -v npm >/dev/null 2>&1 || die "Node.js 20+ with npm is missing (Azurite runs on it): sudo apt-get install nodejs npm"

  if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing the npm tools (Azurite) from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi

  if [ -z "${Encoding__FfmpegFolder:-}" ] && ! { command -v ffmpeg && command -v ffprobe; } >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing ffmpeg with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null
    else
      die "ffmpeg and ffprobe are missing: sudo apt-get install ffmpeg (or set Encoding__FfmpegFolder to a folder holding both)"
    fi
  fi
}

install_missing
[ "${1:-}" = "--install" ] && exit 0

AZURITE_PID=""
SERVER_PID=""
stop_all() {
  trap - INT TERM EXIT
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping the server"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$AZURITE_PID" ]; then
    log "stopping Azurite"
    # Azurite ignores SIGTERM once it has served traffic: end its process group, then make sure.
    kill -TERM -- "-$AZURITE_PID" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$AZURITE_PID" 2>/dev/null || true
  fi
}
trap stop_all INT TERM EXIT

log "building Offload.Server ($CONFIGURATION)"
dotnet build src/Offload.Server/Offload.Server.csproj -c "$CONFIGURATION" -nologo -v quiet -clp:"ErrorsOnly;NoSummary"

mkdir -p "$STATE"
if [ -z "${AzureWebJobsStorage:-}" ]; then
  for port in 10000 10001 10002; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is taken (another Azurite?). Stop it, or set AzureWebJobsStorage to use that storage instead."
    fi
  done
  mkdir -p .azurite
  log "starting Azurite (data in .azurite/, log in .run/azurite.log)"
  setsid node_modules/.bin/azurite --silent --location .azurite --skipApiVersionCheck --disableTelemetry \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$STATE/azurite.log" 2>&1 &
  AZURITE_PID=$!
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/10002) 2>/dev/null && break
    kill -0 "$AZURITE_PID" 2>/dev/null || die "Azurite exited: $(tail -5 "$STATE/azurite.log")"
    sleep 0.2
  done
  export AzureWebJobsStorage="UseDevelopmentStorage=true"
else
  log "using the storage in AzureWebJobsStorage (no Azurite started)"
fi

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
URL="${ASPNETCORE_URLS%%;*}"
log "starting Offload.Server on $URL"
dotnet "src/Offload.Server/bin/$CONFIGURATION/net10.0/Offload.Server.dll" &
SERVER_PID=$!

for _ in $(seq 1 150); do
  if curl -fsS "$URL/api/health" >/dev/null 2>&1; then
    cat <<MSG

[offload] ready
  API       $URL/api
  health    $URL/api/health
  upload    curl -i -X POST --data-binary @video.mp4 -H 'Content-Type: video/mp4' $URL/api/videos
  status    curl $URL/api/videos/<id>
  download  curl -L -o out.mp4 $URL/api/videos/<id>/output
  Ctrl-C stops the server$( [ -n "$AZURITE_PID" ] && printf ' and Azurite')

MSG
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start-up (see its log above)"
  sleep 0.2
done

wait "$SERVER_PID"
