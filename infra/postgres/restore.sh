#!/usr/bin/env bash
# Restores one dump made by backup.sh into a new, empty database. docs/operations.md, "Back up and
# restore" (stop the service first; it applies no migration the dump does not already have).
#
#   infra/postgres/restore.sh [--replace] FILE DATABASE
#
# Refuses when DATABASE exists, unless --replace, which drops it first (disconnecting its clients).
# Checks FILE against its .sha256 when there is one. Restores in one transaction: the database ends
# up with the whole dump or nothing. Same libpq variables as backup.sh; pg_restore at least as new
# as the pg_dump that wrote FILE.
set -euo pipefail
replace=false
if [[ ${1:-} == --replace ]]; then
  replace=true
  shift
fi
[[ $# -eq 2 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
file=$1
database=$2
if [[ -f $file.sha256 ]]; then
  (cd "$(dirname "$file")" && sha256sum --check --quiet "$(basename "$file").sha256")
fi
pg_restore --list "$file" >/dev/null
exists=$(psql --dbname=postgres --no-psqlrc --tuples-only --no-align \
  --command="SELECT 1 FROM pg_database WHERE datname = '${database//\'/\'\'}'")
if [[ $exists == 1 ]]; then
  $replace || { echo "database $database exists: restore into a new one, or pass --replace" >&2; exit 1; }
  dropdb --force "$database"
fi
createdb "$database"
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$database" "$file"
echo "restored $file into $database"
