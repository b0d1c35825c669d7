#!/usr/bin/env bash
# Stops the broker that start.sh started (same KAFKA_PORT / KAFKA_DATA_DIR), politely, then firmly.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
port=${KAFKA_PORT:-9092}
data=${KAFKA_DATA_DIR:-$root/var/kafka/node-$port}
pidfile=$data/kafka.pid
[[ -f $pidfile ]] || exit 0
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$pidfile"
