"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from companion.i18n import current_language


def string_time(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def string_number(value) -> str:
    """5.00 -> "5", 2.50 -> "2.5": doses and counts without trailing zeros."""
    if value is None:
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def local_datetime(value: datetime | None, zone: str) -> str:
    """An instant shown in a site's or participant's zone, e.g. "2026-03-02 09:15 (Asia/Shanghai)"."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@cache
def static_version(path: str) -> str:
    """A short hash of a static file's content (read once per process): its URL changes when it does."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return ""


def init_app(app: Flask) -> None:
    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        """``/static/css/app.css?v=<hash>``: nginx caches versioned static URLs for a year (deploy/nginx)."""
        if endpoint == "static" and "filename" in values and "v" not in values and app.static_folder:
            version = static_version(str(Path(app.static_folder) / values["filename"]))
            if version:
                values["v"] = version

    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.filters["string_time"] = string_time
    app.jinja_env.filters["string_number"] = string_number
    app.jinja_env.filters["local_datetime"] = local_datetime
