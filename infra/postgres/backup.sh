#!/usr/bin/env bash
# Dumps services' PostgreSQL databases, one file each, in pg_dump's custom format (compressed,
# restorable table by table), with a SHA-256 beside it. docs/operations.md, "Back up and restore".
#
#   infra/postgres/backup.sh [-d DIR] [SERVICE[=DATABASE]]...
#
# SERVICE names the file; DATABASE defaults to SERVICE (the names the Kubernetes manifests and
# docker-compose use). With no SERVICE: gateway, partners, engagements, notifications.
# The server is reached through libpq's own variables: PGHOST, PGPORT, PGUSER, PGPASSWORD (or
# ~/.pgpass), PGSSLMODE... pg_dump must be at least the server's version.
# Prints each file written. A dump is consistent on its own (one snapshot per database); dumps of
# different databases are taken one after the other, not at one instant.
set -euo pipefail
dir=${LIAISON_BACKUP_DIR:-var/backups}
while getopts "d:" option; do
  case $option in
    d) dir=$OPTARG ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(gateway partners engagements notifications)
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for target in "${targets[@]}"; do
  service=${target%%=*}
  database=${target#*=}
  file=$dir/$service-$stamp.dump
  # Written aside, checked readable, then renamed: a half-written dump never looks like a backup.
  pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$database" --file="$file.partial"
  pg_restore --list "$file.partial" >/dev/null
  mv "$file.partial" "$file"
  (cd "$dir" && sha256sum "$(basename "$file")" >"$(basename "$file").sha256")
  echo "$file"
done
