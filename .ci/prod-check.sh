#!/usr/bin/env bash
# CI: the production install, as a server gets it — a copy of the tracked files, the dist/ that
# `npm run build` made, and `npm ci --omit=dev` (no tsx, no TypeScript) — started with
# `npm run start:prod` (NODE_ENV=production). Walks every page as an administrator (200s, no 5xx),
# checks that the CLI prints only its own output, that SIGTERM to npm stops the app with exit 0
# and leaves nothing running, and that /health/ready goes red when the views are missing.
#   .ci/prod-check.sh [PATH_TO_NODE …]   (other Node versions to walk the same install on, e.g. Node 22)
# The install itself runs on this machine's Node: sqlite3 may build itself there, and the native
# modules are N-API, so the same node_modules serve every Node version.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
tmp=$(mktemp -d /tmp/partnerpuls-prod.XXXXXX)
pids=()
stop_started() { # the processes this script started (and npm's child, the app)
  for p in "${pids[@]}"; do
    pkill -KILL -P "$p" 2>/dev/null || true
    kill -KILL "$p" 2>/dev/null || true
  done
}
cleanup() {
  stop_started
  rm -rf "$tmp"
}
trap cleanup EXIT
echo "-- production install on $(node --version) in $tmp"

git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$tmp"
cp -r dist "$tmp/dist"
(cd "$tmp" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
for dev in tsx jest @swc/core eslint; do # (typescript may come as a peer of i18next)
  if [ -e "$tmp/node_modules/$dev" ]; then
    echo "a development dependency is installed: $dev"
    exit 1
  fi
done

port=$((3900 + RANDOM % 500))
# the walk signs in with a password as the first admin: two-factor enrolment would stop it at the first page
export DATA_DIR="$tmp/data" PORT=$port HOST=127.0.0.1 BASE_URL="http://127.0.0.1:$port" DEMO=true HOUSEKEEPING_AT=off LOG_LEVEL=warn TWO_FACTOR_ADMINS=optional
base="http://127.0.0.1:$port"

status() { node -e 'fetch(process.argv[1]).then((r) => console.log(r.status), () => console.log(0))' "$1"; }
wait_for() { # URL STATUS
  for _ in $(seq 1 120); do
    [ "$(status "$1")" = "$2" ] && return 0
    sleep 0.5
  done
  echo "$1 never answered $2"
  cat "$tmp/app.log"
  return 1
}

walk_on() { # NODE_BINARY
  local node_dir
  node_dir=$(dirname "$1")
  (
    trap stop_started EXIT
    export PATH="$node_dir:$PATH"
    echo "-- the built app on $(node --version)"
    rm -rf "$DATA_DIR"
    (cd "$tmp" && exec npm run -s start:prod >"$tmp/app.log" 2>&1) &
    npm_pid=$!
    pids+=("$npm_pid")
    wait_for "$base/health/ready" 200
    grep -q "Demodata inläst" "$tmp/app.log" || { echo "DEMO=true did not load the demo"; exit 1; }

    cli_out=$(cd "$tmp" && npm run -s cli:prod -- users setup-link)
    case "$cli_out" in *"> partnerpuls"*) echo "npm's banner in the CLI output"; exit 1 ;; esac
    link=$(printf '%s\n' "$cli_out" | tail -1)
    node "$src/tools/walk-built-app.mjs" "$base" "$link" 100

    # SIGTERM to npm: the app stops cleanly and nothing is left listening
    kill -TERM "$npm_pid"
    rc=0
    wait "$npm_pid" || rc=$?
    [ "$rc" = 0 ] || { echo "npm run start:prod exited $rc after SIGTERM"; cat "$tmp/app.log"; exit 1; }
    grep -q "Stänger av" "$tmp/app.log" || { echo "the app did not see the SIGTERM"; cat "$tmp/app.log"; exit 1; }
    [ "$(status "$base/health")" = 0 ] || { echo "something still answers on port $port after the stop"; exit 1; }
    echo "SIGTERM to npm run start:prod: exit 0, nothing left running"

    # without its views the app must say so on /health/ready (and its pages fail)
    mv "$tmp/views" "$tmp/views.away"
    (cd "$tmp" && NODE_ENV=production exec node dist/server/index.js >"$tmp/app2.log" 2>&1) &
    app_pid=$!
    pids+=("$app_pid")
    wait_for "$base/health" 200
    [ "$(status "$base/health/ready")" = 503 ] || { echo "/health/ready is not red without views"; exit 1; }
    [ "$(status "$base/login")" = 500 ] || { echo "/login without views did not fail as expected"; exit 1; }
    kill -TERM "$app_pid"
    wait "$app_pid" || true
    echo "/health/ready is red (503) when the views are missing"
    mv "$tmp/views.away" "$tmp/views"
  )
}

walk_on "$(command -v node)"
for extra in "$@"; do walk_on "$extra"; done
