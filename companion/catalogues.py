"""Compiled translation catalogues (*.mo), made at start-up from the *.po sources when missing or stale.

The .mo files are build output (git-ignored): a clone started the README's way (gunicorn, ``flask run``)
without dev.sh had none and served English under ``lang="zh-CN"``. So ``create_app`` compiles every
catalogue whose .mo is missing or older than its .po. Several gunicorn workers may start together: each
writes a temporary file in the same folder and renames it over the .mo (``os.replace`` is atomic), so no
worker ever reads half a file. When that is impossible (a read-only installation), production refuses to
start with the command to run; development and tests start with a warning.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from companion.config import ConfigError

log = logging.getLogger(__name__)


def _directories(app: Flask) -> list[Path]:
    """The folders Flask-Babel reads: ``;``-separated, relative ones under the app's root (as Flask-Babel)."""
    names = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations").split(";")
    return [Path(app.root_path, name) for name in names if name]


def _stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogue(po: Path) -> None:
    """Compile one .po into the .mo beside it, as ``pybabel compile`` does (fuzzy entries left out)."""
    locale = po.parent.parent.name
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    fd, temporary = tempfile.mkstemp(prefix=".messages-", suffix=".mo.tmp", dir=po.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; the .mo is readable like the .po
        os.replace(temporary, po.with_suffix(".mo"))
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_compiled(app: Flask) -> list[Path]:
    """Compile what is missing or stale; returns the .po files still without a fresh .mo.

    Raises ConfigError in production when any is left: the app would show English to everyone.
    """
    problems: dict[Path, str] = {}
    for directory in _directories(app):
        for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
            if not _stale(po):
                continue
            try:
                compile_catalogue(po)
            except Exception as exc:  # noqa: BLE001 - any failure is reported below, with the file's name
                problems[po] = f"{type(exc).__name__}: {exc}"
    if not problems:
        return []
    folders = sorted({str(po.parents[2]) for po in problems})
    command = " && ".join(f"pybabel compile -d {folder}" for folder in folders)
    detail = "; ".join(f"{po}: {reason}" for po, reason in problems.items())
    if app.config.get("APP_ENV") == "production":
        raise ConfigError(f"compiled translation catalogues are missing or out of date and could not be "
                          f"made here ({detail}); run `{command}` as the owner of the installation "
                          f"(or deploy them with the release), then start the app again")
    log.warning("translation catalogues could not be compiled (%s); pages show English until you run `%s`",
                detail, command)
    return list(problems)
