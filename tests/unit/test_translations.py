"""The translation catalogues are complete: every string in the code has a Chinese translation.

Strings are extracted from the code as it is now (as ``scripts/i18n.sh extract`` does) and compared
with the catalogues in companion/translations. When a test here fails after you added or changed a
string, run ``scripts/i18n.sh update``, translate the new entries in
companion/translations/zh_Hans_CN/LC_MESSAGES/messages.po and run ``scripts/i18n.sh check``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "i18n.sh"
TRANSLATIONS = ROOT / "companion" / "translations"
ZH = "zh_Hans_CN"
EN = "en"
#: the extra keywords of scripts/i18n.sh (test_keywords_match_the_script keeps the two in step)
KEYWORDS = ["_l", "lazy_gettext", "ngettext:1,2", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]
#: a plain placeholder such as %(name)s, with any conversion flags, width or precision
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
SMS_SEGMENT = 70  # UCS-2 characters in one SMS segment (DOMAIN.md section 7)


def _pybabel() -> list[str]:
    exe = Path(sys.executable).parent / "pybabel"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "babel.messages.frontend"]


def _key(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _read(locale: str) -> Catalog:
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: run scripts/i18n.sh update"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


@pytest.fixture(scope="module")
def code_messages(tmp_path_factory) -> dict[str, Message]:
    """Every message in the code now, keyed by its (singular) msgid."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    subprocess.run(
        [*_pybabel(), "-q", "extract", "-F", "babel.cfg", *keywords, "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    with pot.open("rb") as f:
        messages = {_key(m): m for m in _entries(read_po(f))}
    assert messages, "extraction found no strings at all: is babel.cfg still right?"
    return messages


@pytest.fixture(scope="module")
def zh() -> Catalog:
    return _read(ZH)


@pytest.fixture(scope="module")
def en() -> Catalog:
    return _read(EN)


def test_keywords_match_the_script():
    assert sorted(re.findall(r"-k (\S+)", SCRIPT.read_text())) == sorted(KEYWORDS)


def test_extraction_sees_python_and_templates(code_messages):
    # one string from Python code and one from a template: both extractors are working
    assert "Please sign in first." in code_messages
    assert "Sign in" in code_messages


def test_every_string_in_the_code_has_a_chinese_translation(code_messages, zh):
    problems = []
    for key, message in sorted(code_messages.items()):
        entry = zh.get(message.id)
        if entry is None:
            problems.append(f"not in the catalogue: {key!r}")
        elif not all(_forms(entry.string)):
            problems.append(f"not translated: {key!r}")
        elif message.pluralizable != entry.pluralizable:
            problems.append(f"plural in the code but not in the catalogue (or back): {key!r}")
    assert not problems, "zh_Hans_CN catalogue, run scripts/i18n.sh update and translate:\n" + "\n".join(problems)


def test_english_catalogue_has_every_string_in_the_code(code_messages, en):
    missing = [key for key, message in sorted(code_messages.items()) if en.get(message.id) is None]
    assert not missing, "en catalogue, run scripts/i18n.sh update:\n" + "\n".join(missing)


def test_english_plurals_have_both_forms(en):
    empty = [_key(m) for m in _entries(en) if m.pluralizable and not all(_forms(m.string))]
    assert not empty, "fill msgstr[0] and msgstr[1] in the en catalogue:\n" + "\n".join(empty)


def test_both_catalogues_hold_the_same_strings(zh, en):
    assert {_key(m) for m in _entries(zh)} == {_key(m) for m in _entries(en)}


@pytest.mark.parametrize("locale", [ZH, EN])
def test_no_entry_is_fuzzy(locale):
    fuzzy = [_key(m) for m in _entries(_read(locale)) if m.fuzzy]
    assert not fuzzy, f"{locale}: check these translations and remove their fuzzy flag:\n" + "\n".join(fuzzy)


def test_chinese_has_one_plural_form(zh):
    assert zh.num_plurals == 1
    assert zh.plural_expr == "0"
    assert zh.mime_headers and ("Plural-Forms", "nplurals=1; plural=0;") in zh.mime_headers


@pytest.mark.parametrize("locale", [ZH, EN])
def test_translations_keep_the_placeholders(locale):
    problems = []
    for message in _entries(_read(locale)):
        ids = _forms(message.id)
        for index, translation in enumerate(_forms(message.string)):
            if not translation:
                continue  # English may leave msgstr empty: the msgid is shown
            # form i pairs with msgid form i; a language with one form covers every number
            source = ids[index] if len(_forms(message.string)) == len(ids) else " ".join(ids)
            expected, found = set(PLACEHOLDER.findall(source)), set(PLACEHOLDER.findall(translation))
            if found != expected:
                problems.append(f"{_key(message)!r}: has {sorted(found)}, needs {sorted(expected)}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", [ZH, EN])
def test_translations_format_cleanly(locale):
    """Templates %-format every string (new-style gettext): a stray % would break the page."""
    catalog = _read(locale)
    problems = [f"{_key(m)!r}: {'; '.join(map(str, errors))}" for m, errors in catalog.check()]
    for message in _entries(catalog):
        source = " ".join(_forms(message.id))
        values = {name: 1 for name in PLACEHOLDER.findall(source)}
        for translation in filter(None, _forms(message.string)):
            if "%" not in source:
                if "%" in translation:
                    problems.append(f"{_key(message)!r}: stray % in {translation!r}")
                continue
            try:
                translation % values
            except (KeyError, ValueError, TypeError) as exc:
                problems.append(f"{_key(message)!r}: {translation!r} does not format ({exc!r})")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_sign_in_sms_fits_one_segment_in_chinese(zh, tmp_path):
    """The real SMS code path's msgid, through a compiled catalogue, as Flask-Babel would load it."""
    from companion.i18n import babel_locale

    sms_ids = []
    for path in sorted((ROOT / "companion" / "sms").rglob("*.py")):
        for _lineno, msgid, _comments, _context in extract_from_file("python", str(path)):
            if isinstance(msgid, str) and "%(code)s" in msgid:
                sms_ids.append(msgid)
    assert sms_ids, "no sign-in SMS text (with %(code)s) found in companion/sms"

    folder = tmp_path / babel_locale("zh-CN") / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as f:
        write_mo(f, zh)
    translations = Translations.load(str(tmp_path), [babel_locale("zh-CN")])

    for msgid in sms_ids:
        values = {name: "x" for name in PLACEHOLDER.findall(msgid)} | {"code": "123456", "minutes": 10}
        text = translations.gettext(msgid) % values
        assert text != msgid % values, f"not translated: {msgid!r}"
        assert "123456" in text and "10" in text
        units = len(text.encode("utf-16-le")) // 2  # Chinese SMS is UCS-2: count UTF-16 code units
        assert units <= SMS_SEGMENT, f"{units} characters, more than one SMS segment: {text}"
