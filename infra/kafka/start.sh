#!/usr/bin/env bash
# Starts one combined Kafka broker + controller (KRaft) on loopback and waits until it answers metadata.
# A second call finds it running and returns. Settings (environment):
#   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (var/kafka/node-$KAFKA_PORT),
#   KAFKA_LIBS (var/kafka/libs), KAFKA_HEAP (512m), PYTHON (.venv/bin/python)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
data=${KAFKA_DATA_DIR:-$root/var/kafka/node-$port}
libs=${KAFKA_LIBS:-$root/var/kafka/libs}
python=${PYTHON:-$root/.venv/bin/python}
bootstrap=127.0.0.1:$port
pidfile=$data/kafka.pid

ready() { (cd "$root" && "$python" -m infra.kafka.admin ready --bootstrap "$bootstrap" --timeout "$1") ; }

if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  ready 60 && exit 0
fi
rm -f "$pidfile"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  # Someone else's broker (or something else entirely) holds the port: use it if it is Kafka,
  # never start a second broker that cannot bind.
  if ready 10; then
    echo "a Kafka broker not started by this script already answers on $bootstrap; using it" >&2
    exit 0
  fi
  echo "127.0.0.1:$port is taken by something that is not a Kafka broker; set KAFKA_PORT" >&2
  exit 1
fi
"$here/fetch.sh"
mkdir -p "$data/logs"
config=$data/server.properties
{
  cat "$here/server.properties"
  echo "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port"
  echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port"
  echo "controller.quorum.bootstrap.servers=127.0.0.1:$controller_port"
  echo "log.dirs=$data/logs"
} > "$config"

classpath="$libs/*"
java_opts=(-Xms256m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
           "-Dlog4j2.configurationFile=$here/log4j2.yaml" -Dkafka.logs.dir="$data")
if [[ ! -f $data/logs/meta.properties ]]; then
  cluster_id=$("$python" -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
  java "${java_opts[@]}" -cp "$classpath" kafka.tools.StorageTool format --standalone \
    -t "$cluster_id" -c "$config" > "$data/format.log" 2>&1 || { cat "$data/format.log" >&2; exit 1; }
fi
# setsid: Ctrl-C in the terminal that started it must not kill the broker behind the runner's back.
setsid java "${java_opts[@]}" -cp "$classpath" kafka.Kafka "$config" > "$data/kafka.out" 2>&1 < /dev/null &
echo $! > "$pidfile"
if ! ready 90; then
  echo "Kafka did not become ready; last lines of $data/kafka.out:" >&2
  tail -n 30 "$data/kafka.out" >&2
  exit 1
fi
