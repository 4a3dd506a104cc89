#!/usr/bin/env bash
# Translation catalogues (Flask-Babel): zh-CN (Babel name zh_Hans_CN) and en.
#
#   scripts/i18n.sh extract   strings in companion/**.py and templates/**.html -> companion/translations/messages.pot
#   scripts/i18n.sh update    extract, then merge new/changed strings into both .po files (translate the new ones!)
#   scripts/i18n.sh compile   .po -> .mo (build output, not committed; ./dev.sh does this too)
#   scripts/i18n.sh check     exit 1, listing the ids, if a string in the code is missing from a catalogue
#                             or has no Chinese translation (tests/unit/test_translations.py checks the same)
#   scripts/i18n.sh init LOCALE   start a catalogue for a new locale (Babel name, e.g. zh_Hans_CN)
#
# Locations are left out (--no-location) and the output is sorted, so moving code does not churn the files;
# a POT whose only change is its creation date is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
if [ -x "$VENV/bin/pybabel" ]; then
  PYBABEL="$VENV/bin/pybabel"
  PYTHON="$VENV/bin/python"
else
  PYBABEL=pybabel
  PYTHON=python3
fi

DIR=companion/translations
POT="$DIR/messages.pot"
LOCALES=(zh_Hans_CN en)

# _ / gettext / ngettext / pgettext / npgettext are Babel's defaults (Python and Jinja alike);
# the lazy forms are Flask-Babel's, and _l is our alias for lazy_gettext.
extract_to() {
  "$PYBABEL" -q extract -F babel.cfg \
    -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
    --add-comments=TRANSLATORS: \
    -o "$1" --no-location --sort-output --project "trial companion" .
}

extract() {
  mkdir -p "$DIR"
  local tmp
  tmp=$(mktemp)
  extract_to "$tmp"
  if [ -f "$POT" ] && diff -q <(grep -v '^"POT-Creation-Date:' "$POT") <(grep -v '^"POT-Creation-Date:' "$tmp") >/dev/null; then
    rm -f "$tmp"
    echo "$POT unchanged"
  else
    mv "$tmp" "$POT"
    chmod 644 "$POT"
    echo "wrote $POT"
  fi
}

update() {
  extract
  local locale
  for locale in "${LOCALES[@]}"; do
    if [ ! -f "$DIR/$locale/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" init -i "$POT" -d "$DIR" -l "$locale"
    fi
  done
  "$PYBABEL" update -i "$POT" -d "$DIR" --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
  echo "Now translate every new entry in $DIR/zh_Hans_CN/LC_MESSAGES/messages.po (msgstr \"\"),"
  echo "plural entries in $DIR/en/LC_MESSAGES/messages.po, then run: scripts/i18n.sh check"
}

compile() {
  "$PYBABEL" compile --statistics -d "$DIR"
}

check() {
  local tmp
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' RETURN
  extract_to "$tmp"
  "$PYTHON" - "$tmp" "$DIR" "${LOCALES[@]}" <<'PY'
import sys
from pathlib import Path

from babel.messages.pofile import read_po

pot_path, directory, *locales = sys.argv[1:]
with open(pot_path, "rb") as f:
    code_ids = {m.id for m in read_po(f) if m.id}


def key(msgid):
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


problems = []
for locale in locales:
    path = Path(directory) / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        problems.append(f"{path}: missing (run scripts/i18n.sh update)")
        continue
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    for msgid in sorted(code_ids, key=key):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"{locale}: not in catalogue: {key(msgid)!r}")
            continue
        if message.fuzzy:
            problems.append(f"{locale}: fuzzy: {key(msgid)!r}")
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if locale == "zh_Hans_CN" and not all(strings):
            problems.append(f"{locale}: no translation: {key(msgid)!r}")
        if locale == "en" and message.pluralizable and not all(strings):
            problems.append(f"{locale}: plural forms missing: {key(msgid)!r}")
if problems:
    print("\n".join(problems))
    print(f"{len(problems)} problem(s): run scripts/i18n.sh update and translate", file=sys.stderr)
    sys.exit(1)
print(f"catalogues complete: {len(code_ids)} strings in {', '.join(locales)}")
PY
}

case "${1:-}" in
  extract) extract ;;
  update) update ;;
  compile) compile ;;
  check) check ;;
  init)
    [ -n "${2:-}" ] || { echo "usage: scripts/i18n.sh init LOCALE" >&2; exit 2; }
    extract
    "$PYBABEL" init -i "$POT" -d "$DIR" -l "$2"
    ;;
  *)
    echo "usage: scripts/i18n.sh extract | update | compile | check | init LOCALE" >&2
    exit 2
    ;;
esac
