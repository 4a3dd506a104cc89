# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Sourced by scripts/backup.sh and scripts/restore.sh: the app's database URL as libpq takes it.
#
#   libpq_url NAME URL   sets $libpq_url (no "+psycopg" driver name, no password) and $shown_url (safe to
#                        print), exports the password, percent-decoded, as PGPASSWORD; NAME is the setting
#                        named in the error when URL is not a PostgreSQL URL (the caller's `fail` reports it).
# Nothing secret goes on a command line (other users can read those) nor into what the scripts print.
libpq_url() {
  local name=$1 url=$2 password
  if [[ $url =~ ^(postgres|postgresql)\+[A-Za-z0-9_]+://(.*)$ ]]; then
    url="postgresql://${BASH_REMATCH[2]}"
  fi
  [[ $url =~ ^postgres(ql)?:// ]] || fail "$name is not a PostgreSQL URL (postgresql://user@host:5432/name)"
  if [[ $url =~ ^(postgres(ql)?://)([^:@/?#]*):([^@/?#]*)@(.*)$ ]]; then
    password=${BASH_REMATCH[4]}
    url="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[5]}"
    password=${password//\\/\\\\}
    printf -v password '%b' "${password//%/\\x}"
    export PGPASSWORD="$password"
  fi
  libpq_url=$url
  shown_url=$(sed -E 's/([?&]password=)[^&]*/\1***/' <<<"$url")
}
