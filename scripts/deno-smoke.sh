#!/usr/bin/env bash
# Starts the service under Deno on a scratch data directory and asks /healthz; fails if it does not answer 200.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
port=${SMOKE_PORT:-18731}
log="$dir/deno.log"
PORT=$port BANKING_DATA_DIR="$dir/data" setsid node_modules/deno/bin.cjs task start >"$log" 2>&1 &
pid=$!
# setsid gives the task its own process group, so the whole tree (task runner, deno, service) stops together
cleanup() { kill -TERM -- "-$pid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  if body=$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null); then
    echo "deno /healthz: $body"
    for p in ${SMOKE_PATHS:-}; do
      curl -fsS -o /dev/null "http://127.0.0.1:$port$p" || { echo "deno $p: failed" >&2; cat "$log" >&2; exit 1; }
      echo "deno $p: ok"
    done
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 1
done
echo "Deno smoke test failed; service log:" >&2
cat "$log" >&2
exit 1
