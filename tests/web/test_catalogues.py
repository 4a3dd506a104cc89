"""Compiled catalogues are made at start-up (issue 8): a clone started without dev.sh had no .mo files and
showed English under lang="zh-CN"; production refuses to start when they cannot be made.

Each test points BABEL_TRANSLATION_DIRECTORIES at a copy of the .po sources in tmp_path, never at the tree.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from companion import catalogues
from companion.config import ROOT, ConfigError
from companion.extensions import babel

SOURCES = ROOT / "companion" / "translations"
ZH_PO = Path("zh_Hans_CN", "LC_MESSAGES", "messages.po")


def _zh(msgid: str) -> str:
    with (SOURCES / ZH_PO).open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")[msgid].string


SIGN_IN_ZH = _zh("Sign in")


@pytest.fixture(autouse=True)
def fresh_translation_cache():
    """Flask-Babel keeps loaded catalogues in one cache per process (shared by every app of the suite), keyed
    by locale only: without clearing it an earlier test's Chinese would hide a missing .mo here."""
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    domain = vars(babel).get("domain_instance")  # a cached_property, made by the first translated request
    if domain is not None:
        domain.cache.clear()


@pytest.fixture
def sources(tmp_path) -> Path:
    """The .po files only, as a clone has them (*.mo are git-ignored build output)."""
    copy = tmp_path / "translations"
    shutil.copytree(SOURCES, copy, ignore=shutil.ignore_patterns("*.mo", ".*"))
    assert list(copy.glob("*/LC_MESSAGES/*.po")) and not list(copy.glob("*/LC_MESSAGES/*.mo"))
    return copy


@pytest.fixture
def read_only(monkeypatch):
    """Make folders read-only. As root the mode bits do not stop writes, so creating a file there is made
    to fail the way the kernel fails it for the app's own user."""

    def make(folder: Path) -> None:
        for path in [*folder.rglob("*"), folder]:
            if path.is_dir():
                path.chmod(0o555)
        if os.geteuid() == 0:
            real = catalogues.tempfile.mkstemp

            def refuse(*args, dir=None, **kwargs):  # noqa: A002 - mkstemp's own keyword
                if dir is not None and Path(dir).is_relative_to(folder):
                    raise PermissionError(13, "Permission denied", str(dir))
                return real(*args, dir=dir, **kwargs)

            monkeypatch.setattr(catalogues.tempfile, "mkstemp", refuse)

    yield make


@pytest.fixture(autouse=True)
def writable_again(tmp_path):
    yield
    for path in tmp_path.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)


def _signin_page(app) -> str:
    response = app.test_client().get("/signin", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_missing_catalogues_are_compiled_at_start_up_and_pages_are_chinese(make_app, sources):
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))
    assert sorted(p.parent.parent.name for p in sources.glob("*/LC_MESSAGES/messages.mo")) == ["en", "zh_Hans_CN"]
    page = _signin_page(app)
    assert 'lang="zh-CN"' in page
    assert f"<h1>{SIGN_IN_ZH}</h1>" in page, "the sign-in page is not in Chinese"


def test_a_catalogue_older_than_its_source_is_compiled_again(make_app, sources):
    """A release that changes a .po (git pull) must not keep serving last release's translations."""
    mo = sources / ZH_PO.with_suffix(".mo")
    old = Catalog(locale="zh_Hans_CN")
    old.add("Sign in", "旧的译文")
    with mo.open("wb") as f:
        write_mo(f, old)
    po_time = (sources / ZH_PO).stat().st_mtime
    os.utime(mo, (po_time - 60, po_time - 60))

    page = _signin_page(make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources)))
    assert "旧的译文" not in page and f"<h1>{SIGN_IN_ZH}</h1>" in page


def test_a_fresh_catalogue_is_left_alone(make_app, sources):
    """Every worker start checks the catalogues; one that is up to date is not rewritten."""
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))
    mo = sources / ZH_PO.with_suffix(".mo")
    before = mo.stat().st_mtime_ns, mo.stat().st_ino
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))
    assert (mo.stat().st_mtime_ns, mo.stat().st_ino) == before


def test_compiling_leaves_no_temporary_files(make_app, sources):
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))
    names = sorted(p.name for p in sources.glob("*/LC_MESSAGES/*"))
    assert names == ["messages.mo", "messages.mo", "messages.po", "messages.po"]


def test_a_compile_that_fails_half_way_leaves_the_old_catalogue_whole(make_app, sources, monkeypatch):
    """Workers read the .mo while another worker compiles: the file is replaced whole, never rewritten in place."""
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))
    mo = sources / ZH_PO.with_suffix(".mo")
    whole = mo.read_bytes()
    os.utime(mo, (0, 0))  # stale again

    def half_then_fail(f, catalog, **kwargs):
        f.write(whole[: len(whole) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(catalogues, "write_mo", half_then_fail)
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources))  # development: a warning
    assert mo.read_bytes() == whole
    assert sorted(p.name for p in mo.parent.iterdir()) == ["messages.mo", "messages.po"]


def test_production_refuses_to_start_without_catalogues_it_cannot_make(make_app, sources, read_only):
    read_only(sources)
    with pytest.raises(ConfigError, match="^compiled translation catalogues are missing or out of date and could "
                                          "not be made here") as raised:
        make_app(APP_ENV="production", BABEL_TRANSLATION_DIRECTORIES=str(sources))
    message = str(raised.value)
    assert f"pybabel compile -d {sources}" in message
    assert "zh_Hans_CN" in message and "Permission" in message


def test_production_starts_with_fresh_catalogues_in_a_read_only_installation(make_app, sources, read_only):
    """Compiled at installation, then read-only: nothing to write, so nothing to refuse."""
    catalogues.ensure_compiled(make_app(BABEL_TRANSLATION_DIRECTORIES=str(sources)))
    read_only(sources)
    app = make_app(APP_ENV="production", BABEL_TRANSLATION_DIRECTORIES=str(sources))
    assert f"<h1>{SIGN_IN_ZH}</h1>" in _signin_page(app)


def test_development_starts_with_a_warning_when_it_cannot_compile(make_app, sources, read_only, caplog):
    read_only(sources)
    with caplog.at_level(logging.WARNING, logger="companion.catalogues"):
        app = make_app(APP_ENV="development", BABEL_TRANSLATION_DIRECTORIES=str(sources))
    assert any("pybabel compile" in r.getMessage() for r in caplog.records), caplog.text
    assert _signin_page(app)  # it serves (in English) rather than refusing to start


def _clone(tmp_path: Path) -> Path:
    """What a clone holds: every file git tracks (code, templates, static files, migrations ...), and so no
    compiled catalogues (*.mo are ignored build output)."""
    clone = tmp_path / "clone"
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file() and not name.startswith("tests/"):
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    assert not list(clone.glob("companion/translations/*/*/*.mo"))
    return clone


PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://companion@127.0.0.1:1/companion",  # never connected to by `routes`
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_FROM_NUMBER": "+15005550006",
}


def test_a_clone_started_the_production_way_compiles_its_catalogues(tmp_path):
    """`flask --app app routes` from a clone without dev.sh, APP_ENV=production: the app starts and the
    catalogues exist afterwards (the same create_app that gunicorn's workers run)."""
    clone = _clone(tmp_path)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **PRODUCTION_ENV}
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "app", "routes"], cwd=clone, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "auth.signin" in result.stdout
    compiled = sorted(p.parent.parent.name for p in (clone / "companion" / "translations").glob("*/*/*.mo"))
    assert compiled == ["en", "zh_Hans_CN"]
