#!/usr/bin/env bash
# Starts one combined Kafka broker + controller (KRaft) on loopback and waits until it answers metadata.
# A second call finds it running and returns. Clients must authenticate (SASL/SCRAM-SHA-512): the
# super user `admin` is made when the storage is formatted, with LIAISON_KAFKA_ADMIN_PASSWORD (required;
# `make up` keeps it in var/secrets.env). Users for the services and their ACLs come next, from
# `python -m infra.kafka.admin setup`. Settings (environment):
#   KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR (var/kafka/node-$KAFKA_PORT),
#   KAFKA_LIBS (var/kafka/libs), KAFKA_HEAP (512m), PYTHON (.venv/bin/python), LIAISON_KAFKA_ADMIN_PASSWORD
set -euo pipefail
umask 077  # the data folder holds the admin's password (server.properties): for this user only
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
data=${KAFKA_DATA_DIR:-$root/var/kafka/node-$port}
libs=${KAFKA_LIBS:-$root/var/kafka/libs}
python=${PYTHON:-$root/.venv/bin/python}
bootstrap=127.0.0.1:$port
pidfile=$data/kafka.pid
admin_password=${LIAISON_KAFKA_ADMIN_PASSWORD:-}
if [[ ! $admin_password =~ ^[A-Za-z0-9_-]{32,}$ ]]; then
  echo "LIAISON_KAFKA_ADMIN_PASSWORD must be set: 32+ characters of A-Z a-z 0-9 _ - (make up keeps one in var/secrets.env)" >&2
  exit 2
fi
export LIAISON_KAFKA_ADMIN_PASSWORD

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
  echo "listeners=SASL_PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port"
  echo "advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$port"
  echo "controller.quorum.bootstrap.servers=127.0.0.1:$controller_port"
  echo "log.dirs=$data/logs"
  echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_password\";"
  echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin_password\" user_admin=\"$admin_password\";"
} > "$config"
# Which admin password this storage was formatted with (a digest): another one could never log in.
fingerprint=$(printf '%s' "$admin_password" | sha256sum | cut -d' ' -f1)

classpath="$libs/*"
java_opts=(-Xms256m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
           "-Dlog4j2.configurationFile=$here/log4j2.yaml" -Dkafka.logs.dir="$data")
if [[ ! -f $data/logs/meta.properties ]]; then
  # Attached with '=': a random id may start with '-', which the tool would take for an option.
  cluster_id=$("$python" -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
  # The admin's SCRAM credential goes into the first metadata records; through an argument file
  # (java expands @file), so that the password never shows in the process list.
  printf -- '--add-scram\nSCRAM-SHA-512=[name=admin,password=%s]\n' "$admin_password" > "$data/format.args"
  java "${java_opts[@]}" -cp "$classpath" kafka.tools.StorageTool format --standalone \
    "--cluster-id=$cluster_id" -c "$config" "@$data/format.args" > "$data/format.log" 2>&1 \
    || { rm -f "$data/format.args"; cat "$data/format.log" >&2; exit 1; }
  rm -f "$data/format.args"
  echo "$fingerprint" > "$data/admin.sha256"
elif [[ ! -f $data/admin.sha256 || $(cat "$data/admin.sha256") != "$fingerprint" ]]; then
  echo "the broker's storage in $data was formatted without SASL or with another admin password" >&2
  echo "(var/secrets.env replaced?): remove that folder to start with an empty broker: rm -rf '$data'" >&2
  exit 1
fi
# setsid: Ctrl-C in the terminal that started it must not kill the broker behind the runner's back.
setsid java "${java_opts[@]}" -cp "$classpath" kafka.Kafka "$config" > "$data/kafka.out" 2>&1 < /dev/null &
echo $! > "$pidfile"
if ! ready 90; then
  echo "Kafka did not become ready; last lines of $data/kafka.out:" >&2
  tail -n 30 "$data/kafka.out" >&2
  exit 1
fi
