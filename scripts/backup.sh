#!/usr/bin/env bash
# A PostgreSQL backup of the trial companion: one pg_dump in custom format, checked, then old ones pruned.
#
# Settings come from the environment, the same file the app reads (/etc/companion/companion.env, loaded by
# deploy/systemd/companion-backup.service, or by hand: `set -a; . /etc/companion/companion.env; set +a`):
#   DATABASE_URL      the app's database: postgresql://, postgres:// or postgresql+psycopg:// (required)
#   BACKUP_DIR        where dumps go (default /var/backups/companion); a directory of its own: it is made
#                     mode 0700, and every file in it named like a dump of this script is subject to retention
#   BACKUP_KEEP_DAYS  dumps older than this many days are deleted after a good backup (default 35)
#
# Each run writes BACKUP_DIR/companion-YYYYmmddTHHMMSSZ.dump (UTC), mode 0600: it holds health data. The dump
# is written to a .partial file, read back with `pg_restore --list`, and only then renamed into place; old
# dumps are removed only after that, so a failed run (exit status other than 0) never deletes anything.
# The password is never printed nor put on a command line: it is handed to pg_dump as PGPASSWORD.
# Restore with scripts/restore.sh; rehearse with scripts/restore_drill.py (README "Deploy", "Backups").
set -euo pipefail
umask 077

fail() {
  echo "backup.sh: $*" >&2
  exit 1
}

database_url=${DATABASE_URL:?DATABASE_URL is not set (load /etc/companion/companion.env)}
backup_dir=${BACKUP_DIR:-/var/backups/companion}
keep_days=${BACKUP_KEEP_DAYS:-35}

[[ $keep_days =~ ^[1-9][0-9]{0,4}$ ]] || fail "BACKUP_KEEP_DAYS must be a whole number of days, 1 or more (not '$keep_days')"
[[ $backup_dir == /* ]] || fail "BACKUP_DIR must be an absolute path (not '$backup_dir')"

# libpq's form of the URL, its password to PGPASSWORD (scripts/pg_url.sh)
# shellcheck source=scripts/pg_url.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/pg_url.sh"
libpq_url DATABASE_URL "$database_url"
database_url=$libpq_url

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="companion-$stamp.dump"
final="$backup_dir/$name"
partial="$backup_dir/.$name.partial"
listing=""

cleanup() {
  rm -f -- "$partial"
  if [[ -n $listing ]]; then rm -f -- "$listing"; fi
}
trap cleanup EXIT

mkdir -p -- "$backup_dir"  # umask 077: made owner-only
chmod 0700 -- "$backup_dir"
[[ ! -e $final ]] || fail "$final already exists (two backups in the same second?)"

echo "backup of $shown_url to $final"
pg_dump --format=custom --no-password --file="$partial" --dbname="$database_url" \
  || fail "pg_dump failed; nothing was kept and no older backup was removed"

listing=$(mktemp)
pg_restore --list "$partial" >"$listing" \
  || fail "pg_restore --list cannot read the new dump; nothing was kept and no older backup was removed"
tables=$(grep -c ' TABLE DATA ' "$listing" || true)
[[ $tables -gt 0 ]] || fail "the new dump holds no table data (wrong database?); it was not kept"

chmod 0600 -- "$partial"
sync -- "$partial"
mv -T -- "$partial" "$final"
sync -- "$backup_dir"
echo "kept: $final ($(du -h -- "$final" | cut -f1), $tables tables, checked with pg_restore --list)"

# Retention: this script's own dumps (exact name pattern) older than the limit; never the one just made.
pattern='companion-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.dump'
old=$(find "$backup_dir" -maxdepth 1 -type f -name "$pattern" ! -name "$name" \
  -mmin "+$((keep_days * 24 * 60))" -print | sort)
removed=0
if [[ -n $old ]]; then
  while IFS= read -r file; do
    rm -f -- "$file"
    echo "removed (older than $keep_days days): $file"
    removed=$((removed + 1))
  done <<<"$old"
fi
count=$(find "$backup_dir" -maxdepth 1 -type f -name "$pattern" -print | wc -l)
echo "done: $count backups in $backup_dir, $removed removed (retention $keep_days days)"
