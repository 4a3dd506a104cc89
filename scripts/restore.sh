#!/usr/bin/env bash
# Restore a dump of scripts/backup.sh into a NEW, empty database, then migrate it to this release.
#
#   scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL
#
# Make the database first (as the postgres user): createdb --owner=companion companion_restored
# The target must be empty (no tables, views or sequences): this script never overwrites a database.
# The restore is one transaction (all or nothing); objects are owned by the user of TARGET_DATABASE_URL
# (--no-owner --no-privileges). Then the app's own migrations run against it (`flask --app app db upgrade`
# with DATABASE_URL set to the target), from this checkout: FLASK overrides the flask command
# (default .venv/bin/flask). The other settings the app needs at start-up come from the environment, as for
# the app itself (load /etc/companion/companion.env first). URLs may be postgresql://, postgres:// or
# postgresql+psycopg://; the password is never printed nor put on a command line.
# Afterwards compare with the source: .venv/bin/python scripts/restore_drill.py --source URL --target URL
set -euo pipefail
umask 077

fail() {
  echo "restore.sh: $*" >&2
  exit 1
}

if [[ $# -ne 2 || $1 == -* ]]; then
  echo "usage: scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
dump=$1
app_url=$2
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
flask=${FLASK:-.venv/bin/flask}

[[ -f $dump && -r $dump ]] || fail "cannot read the dump $dump"

# libpq's form of the URL, its password to PGPASSWORD (scripts/pg_url.sh)
# shellcheck source=scripts/pg_url.sh
. "$root/scripts/pg_url.sh"
libpq_url TARGET_DATABASE_URL "$app_url"
target=$libpq_url
shown=$shown_url

psql_value() {
  psql --no-psqlrc --no-password --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
    --dbname="$target" --command="$1"
}

pg_restore --list "$dump" >/dev/null || fail "$dump is not a readable pg_dump custom-format file"

objects=$(psql_value "SELECT count(*) FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'") \
  || fail "cannot connect to $shown (make it first: createdb --owner=companion NAME)"
if [[ $objects -ne 0 ]]; then
  fail "$shown is not empty ($objects tables, views or sequences): restore only into a new database"
fi

echo "restoring $dump into $shown"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --no-password \
  --dbname="$target" "$dump" || fail "pg_restore failed; the restore was rolled back"

echo "migrating $shown to this release"
(cd -- "$root" && DATABASE_URL="$app_url" "$flask" --app app db upgrade) || fail "the migrations failed"

tables=$(psql_value "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")
revision=$(psql_value "SELECT string_agg(version_num, ',') FROM alembic_version")
audit=$(psql_value "SELECT count(*) FROM audit_events")
echo "restored: $shown: $tables tables, migrations at $revision, $audit audit events"
