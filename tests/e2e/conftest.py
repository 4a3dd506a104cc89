"""A live server on 127.0.0.1 and Debian's Chromium emulating a phone (Pixel 7), for the e2e tests.

The live server runs in a thread with its own engine, so everything it must see is committed:
- SQLite: a database file of its own (instance/e2e.db), reset and migrated here;
- PostgreSQL (TEST_DATABASE_URL): the suite's database. The session ``engine`` fixture makes the schema;
  the tables are truncated before and after this package, and the other tests roll back their changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.serving import WSGIRequestHandler, make_server

import companion.models  # noqa: F401 - fills Base.metadata
from companion import create_app
from companion.db import Base, db, make_engine
from companion.migrate import upgrade
from companion.sms import FakeSender
from tests import factories
from tests.conftest import app_config, reset_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    app: Flask

    @property
    def sender(self) -> FakeSender:
        return self.app.extensions["sms_sender"]

    def site(self):
        with self.app.app_context():
            return factories.site(db.session)

    def coordinator(self) -> factories.StaffLogin:
        with self.app.app_context():
            return factories.coordinator(db.session, factories.site(db.session))

    def participant(self, **kwargs):
        with self.app.app_context():
            return factories.participant(db.session, factories.site(db.session), **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _chromium_first(chromium) -> None:
    """Checked before anything starts (the ``chromium`` fixture is in tests/conftest.py)."""


def _truncate_all(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))  # noqa: S608 - our own table names
    engine.dispose()


@pytest.fixture(scope="package")
def e2e_database_url(request, database_url) -> str:
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{ROOT / 'instance' / 'e2e.db'}"
        reset_database(url)
        upgrade(url)
        yield url
        return
    request.getfixturevalue("engine")  # the session fixture that makes the schema, once per run
    _truncate_all(database_url)
    yield database_url
    _truncate_all(database_url)


class QuietHandler(WSGIRequestHandler):
    """Logs server errors only: a failing test's report stays readable."""

    def log_request(self, code="-", size="-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


@contextmanager
def serving(app: Flask, ssl_context: tuple[str, str] | None = None) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 in a thread (over TLS with ``(certificate, key)``); yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        if "database" in app.extensions:
            app.extensions["database"][0].dispose()  # no idle connections left behind (PostgreSQL TRUNCATE)


@pytest.fixture(scope="package")
def live_server(e2e_database_url):
    app = create_app(app_config(e2e_database_url, SERVER_NAME=None, WTF_CSRF_ENABLED=True))
    with serving(app) as port:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)


@pytest.fixture
def phone(browser, playwright):
    """``phone(locale)``: a fresh Pixel 7 browser context (no cookies); closed after the test."""
    contexts = []

    def new_context(locale: str = "zh-CN", **extra):
        device = dict(playwright.devices["Pixel 7"])
        device.pop("default_browser_type", None)
        context = browser.new_context(**device, locale=locale, timezone_id="Asia/Shanghai", **extra)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
