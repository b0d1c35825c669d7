#!/usr/bin/env bash
# Installs, from Debian's packages, what the tests need beyond Python and Java:
#   postgresql (+ contrib: unaccent, pg_trgm)  – the tests start throw-away clusters from its binaries
#   docker-compose                             – validates docker-compose.yml (no engine needed)
#   nginx, wrk                                 – the gateway benchmark (tests/bench/gateway_throughput.py)
#   prometheus (brings promtool)               – the alerting rules and their tests (tests/infra)
#   chromium                                   – the web app's browser tests (Playwright drives it)
#   nodejs, npm                                – CloudNativePG's published schema (infra/k8s/tools.sh)
# Does nothing when they are present; needs root (or sudo) when they are not.
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
compgen -G "/usr/share/postgresql/*/extension/pg_trgm.control" >/dev/null || missing+=(postgresql-contrib)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v runuser >/dev/null || missing+=(util-linux)
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v promtool >/dev/null || missing+=(prometheus)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "run as root, or install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package's own cluster is not ours to run: tests start their own, on free ports.
if command -v pg_lsclusters >/dev/null; then
  "${sudo[@]}" service postgresql stop >/dev/null 2>&1 || true
fi
# Nor is the package's nginx on port 80: the benchmark starts its own, on a free port.
if [[ " ${missing[*]} " == *" nginx "* ]]; then
  "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true
fi
# Nor is the package's Prometheus on port 9090: tests start their own.
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  "${sudo[@]}" service prometheus stop >/dev/null 2>&1 || true
fi
