#!/usr/bin/env bash
# Soak test: runs the demo (release) on 127.0.0.1 and drives it for
# DURATION seconds (default 60) with WORKERS (default 64) concurrent clients and a
# bounded request count, with new, logged-in, tampered, expired, foreign,
# garbage and oversized cookies. Fails on any 5xx, timeout, connection error
# or panic; prints resident memory at the start and the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${DURATION:-60}
WORKERS=${WORKERS:-64}
PORT=${PORT:-3917}
SECRET=soak-secret-0123456789abcdef0123456789
cargo build -q --release --example demo
cargo build -q --release -p sessionkit-benches --example soak
SECRET_KEY=$SECRET PORT=$PORT ./target/release/examples/demo >/tmp/sessionkit-soak-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break; sleep 0.1; done
# Warm up, then take the starting RSS.
./target/release/examples/soak "http://127.0.0.1:$PORT" "$SECRET" 2 $WORKERS 20000 >/dev/null
RSS_START=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)
./target/release/examples/soak "http://127.0.0.1:$PORT" "$SECRET" "$SECONDS_TO_RUN" "$WORKERS" 5000000
RSS_END=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status)
echo "server RSS: start ${RSS_START} kB, end ${RSS_END} kB"
if grep -q "panicked" /tmp/sessionkit-soak-server.log; then
  echo "the server panicked:"; grep -m5 "panicked" /tmp/sessionkit-soak-server.log; exit 1
fi
