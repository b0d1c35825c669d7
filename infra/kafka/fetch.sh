#!/usr/bin/env bash
# Copies the Kafka broker's jars from Maven Central into var/kafka/libs, once.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
libs=${KAFKA_LIBS:-$root/var/kafka/libs}
stamp=$libs/.complete
if [[ -f $stamp && $stamp -nt $root/infra/kafka/pom.xml ]]; then
  exit 0
fi
echo "fetching Apache Kafka jars from Maven Central into $libs ..."
rm -rf "$libs"
mvn -q -B -f "$root/infra/kafka/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs"
ls "$libs"/kafka_2.13-*.jar >/dev/null
touch "$stamp"
