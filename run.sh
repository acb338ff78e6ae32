#!/usr/bin/env bash
# Offload on this machine: installs what is missing, starts Azurite (unless you bring your own storage) and a
# local mail catcher (unless you bring your own SMTP server), starts Offload.Server on http://127.0.0.1:7071,
# and stops everything it started on Ctrl-C.
#
#   ./run.sh              install what is missing, then run
#   ./run.sh --install    only install what is missing (./test.sh uses this)
#
# Environment overrides:
#   OFFLOAD_API_KEY       the admin API key (32+ characters) for scripts and CI; without it the first start makes one,
#                         keeps it in .run/admin-key and prints it in the ready banner
#   AzureWebJobsStorage   a storage connection string: then no Azurite is started
#   Email__SmtpHost       an SMTP server (with Email__SmtpPort, __SmtpUser, __SmtpPassword, __UseStartTls,
#                         __From): then no mail catcher is started
#   --queues / --concurrency after the command go to the server, e.g. ./run.sh --queues high-priority
#   ASPNETCORE_URLS       where the server listens (default http://127.0.0.1:7071)
#   Email__TemplatesPath  a folder of your own email templates over the built-in ones (README: Your own email templates)
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

  if [ ! -x node_modules/.bin/azurite ] || [ ! -x node_modules/.bin/maildev ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing the npm tools (Azurite, maildev) from package-lock.json"
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
if [ "${1:-}" = "--install" ]; then exit 0; fi

AZURITE_PID=""
MAILDEV_PID=""
SERVER_PID=""
stop_all() {
  trap - INT TERM EXIT
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping the server"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$MAILDEV_PID" ]; then
    log "stopping the mail catcher"
    kill -KILL -- "-$MAILDEV_PID" 2>/dev/null || true
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

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for_port() { # port pid log
  for _ in $(seq 1 100); do
    port_taken "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "it exited: $(tail -5 "$3")"
    sleep 0.2
  done
  die "nothing listens on port $1 after 20 s: $(tail -5 "$3")"
}

mkdir -p "$STATE"
if [ -z "${AzureWebJobsStorage:-}" ]; then
  for port in 10000 10001 10002; do
    port_taken "$port" && die "port $port is taken (another Azurite?). Stop it, or set AzureWebJobsStorage to use that storage instead."
  done
  mkdir -p .azurite
  log "starting Azurite (data in .azurite/, log in .run/azurite.log)"
  setsid node_modules/.bin/azurite --silent --location .azurite --skipApiVersionCheck --disableTelemetry \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 >"$STATE/azurite.log" 2>&1 &
  AZURITE_PID=$!
  wait_for_port 10002 "$AZURITE_PID" "$STATE/azurite.log"
  export AzureWebJobsStorage="UseDevelopmentStorage=true"
else
  log "using the storage in AzureWebJobsStorage (no Azurite started)"
fi

MAIL_UI=""
if [ -z "${Email__SmtpHost:-}" ]; then
  for port in 1025 1080; do
    port_taken "$port" && die "port $port is taken (another mail catcher?). Stop it, or set Email__SmtpHost to use that SMTP server."
  done
  log "starting the mail catcher (maildev: SMTP 127.0.0.1:1025, log in .run/maildev.log)"
  setsid node_modules/.bin/maildev --ip 127.0.0.1 --web-ip 127.0.0.1 --smtp 1025 --web 1080 >"$STATE/maildev.log" 2>&1 &
  MAILDEV_PID=$!
  wait_for_port 1080 "$MAILDEV_PID" "$STATE/maildev.log"
  export Email__SmtpHost=127.0.0.1 Email__SmtpPort=1025 Email__UseStartTls=false
  MAIL_UI="http://127.0.0.1:1080"
else
  log "sending email through $Email__SmtpHost (no mail catcher started)"
fi

# Every route but health needs a key: the admin key is configuration here (Auth__AdminKey), never stored.
if [ -n "${OFFLOAD_API_KEY:-}" ]; then
  [ "${#OFFLOAD_API_KEY}" -ge 32 ] || die "OFFLOAD_API_KEY must be at least 32 characters (it is an admin key)"
  API_KEY=$OFFLOAD_API_KEY
  KEY_SOURCE="from OFFLOAD_API_KEY"
else
  if [ ! -s "$STATE/admin-key" ]; then
    # 43 base62 characters from the kernel's random source: 256 bits.
    (umask 077; printf 'offload_local_%s\n' "$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 43)" >"$STATE/admin-key")
    log "made an admin API key: .run/admin-key"
  fi
  API_KEY=$(cat "$STATE/admin-key")
  KEY_SOURCE="kept in .run/admin-key; set OFFLOAD_API_KEY to choose your own"
fi
export Auth__AdminKey="$API_KEY"

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:7071}"
URL="${ASPNETCORE_URLS%%;*}"
log "starting Offload.Server on $URL"
export Email__LinkBaseUrl="${Email__LinkBaseUrl:-$URL}"
# Local development: a webhook receiver on this machine (http://127.0.0.1:<port>/...) may get events. Never in Azure.
export Webhooks__AllowLoopbackHttp="${Webhooks__AllowLoopbackHttp:-true}"
dotnet "src/Offload.Server/bin/$CONFIGURATION/net10.0/Offload.Server.dll" "$@" &
SERVER_PID=$!

for _ in $(seq 1 150); do
  if curl -fsS "$URL/api/health" >/dev/null 2>&1; then
    cat <<MSG

[offload] ready
  API       $URL/api
  admin key $API_KEY
            ($KEY_SOURCE)
  try it    export KEY=$API_KEY
  health    curl $URL/api/health
  upload    curl -i -X POST -H "Authorization: Bearer \$KEY" --data-binary @video.mp4 -H 'Content-Type: video/mp4' $URL/api/videos
  status    curl -H "Authorization: Bearer \$KEY" $URL/api/videos/<id>
  download  curl -L -o out.mp4 -H "Authorization: Bearer \$KEY" $URL/api/videos/<id>/output
  email     curl -i -X POST -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' -d '{"to":"you@example.com","template":"welcome","model":{"name":"You"}}' $URL/api/emails
  templates curl -H "Authorization: Bearer \$KEY" $URL/api/email-templates   (yours: Email__TemplatesPath, see README)
  webhook   curl -X POST -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' -d '{"url":"http://127.0.0.1:9000/hooks","events":["video.succeeded","video.failed"]}' $URL/api/webhooks
  new key   curl -X POST -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' -d '{"name":"my app","scopes":["videos","emails","webhooks"]}' $URL/api/keys
  API docs  $URL/api/reference   (OpenAPI: $URL/api/openapi.json)
$( [ -n "$MAIL_UI" ] && printf '  mailbox   %s   (every email the app sends lands here)\n' "$MAIL_UI")
  Ctrl-C stops everything this script started

MSG
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start-up (see its log above)"
  sleep 0.2
done

wait "$SERVER_PID"
