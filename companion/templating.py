"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import time

from flask import Flask

from companion.i18n import current_language


def string_time(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.filters["string_time"] = string_time
