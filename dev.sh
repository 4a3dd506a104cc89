#!/usr/bin/env bash
# The two Quick-start commands:  ./dev.sh run   (set up, migrate, seed demo data, start the app)
#                                ./dev.sh test  (set up, run every test; extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "Python 3.11 or newer is needed (set PYTHON=...)" >&2; exit 1; }
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
    touch "$stamp"
  fi
  # Compiled catalogues are build output, not sources: make them from the .po files every time.
  if compgen -G "companion/translations/*/LC_MESSAGES/messages.po" >/dev/null; then
    "$VENV/bin/pybabel" -q compile -d companion/translations
  fi
  mkdir -p instance
}

case "${1:-}" in
  run)
    shift
    setup
    export FLASK_APP=app
    "$VENV/bin/flask" db upgrade
    "$VENV/bin/flask" seed-demo
    # The SMS reminder scheduler is a process of its own (the web process never starts one); it runs in the
    # background and is stopped with the web server (Ctrl-C, or SIGTERM to this script).
    "$VENV/bin/flask" scheduler &
    scheduler=$!
    "$VENV/bin/flask" run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" "$@" &
    web=$!
    trap 'kill "$web" "$scheduler" 2>/dev/null || true' INT TERM
    trap 'kill "$web" "$scheduler" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
    status=0
    wait "$web" || status=$?
    exit "$status"
    ;;
  test)
    shift
    setup
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh run | ./dev.sh test [pytest arguments]" >&2
    exit 2
    ;;
esac
