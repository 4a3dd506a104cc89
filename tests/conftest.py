"""Shared fixtures. The database is SQLite by default; set TEST_DATABASE_URL to run the same suite on
PostgreSQL (.ci/run does both). The schema comes from the Alembic migrations, and each test runs in a
transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import text

os.environ["APP_ENV"] = "test"  # before anything reads the settings

from companion import create_app  # noqa: E402
from companion.config import normalise_database_url  # noqa: E402
from companion.db import make_engine  # noqa: E402
from companion.migrate import upgrade  # noqa: E402
from companion.sms import FakeSender  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def pytest_report_header(config):
    return f"database: {_database_url(config)}"


def _database_url(config) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite:///{config.rootpath / 'instance' / 'test.db'}"


def reset_database(url: str) -> None:
    """An empty database: PostgreSQL gets a fresh public schema, SQLite a fresh file."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(pytestconfig) -> str:
    return _database_url(pytestconfig)


@pytest.fixture(scope="session")
def engine(database_url):
    reset_database(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


def app_config(database_url: str, **overrides) -> dict:
    config = {
        "APP_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SMS_SENDER": FakeSender(),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database_url, connection):
    """Build an app on the test's rolled-back connection, with overrides for one test."""

    def build(**overrides):
        config = {"DATABASE_BIND": connection, "SESSION_OPTIONS": {"join_transaction_mode": "create_savepoint"}}
        config.update(overrides)
        return create_app(app_config(database_url, **config))

    return build


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def db_session(app):
    """A session of its own on the test's connection. No app context stays pushed, because requests
    made by the test client would then share its ``g`` (and the signed-in user) with each other."""
    session = app.extensions["database"][1]()
    yield session
    session.close()


@pytest.fixture
def sender(app) -> FakeSender:
    return app.extensions["sms_sender"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def site(db_session):
    return factories.site(db_session)


@pytest.fixture
def coordinator(db_session, site):
    return factories.coordinator(db_session, site)


@pytest.fixture
def participant(db_session, site):
    return factories.participant(db_session, site)


def code_from(sender: FakeSender, phone: str) -> str:
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sender.messages_to(phone)[-1].body).group(1)


@pytest.fixture
def signin_participant(sender):
    def sign_in(client, participant):
        response = client.post("/signin", data={"phone": participant.phone_e164})
        assert response.status_code == 302, response.get_data(as_text=True)
        response = client.post("/signin/code", data={"code": code_from(sender, participant.phone_e164)})
        assert response.status_code == 302 and response.location.endswith("/my/")
        return client

    return sign_in


@pytest.fixture
def signin_staff():
    def sign_in(client, staff: factories.StaffLogin, language: str = "en"):
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        response = client.post("/staff/signin", data={"email": staff.email, "password": staff.password})
        assert response.status_code == 302, response.get_data(as_text=True)
        response = client.post("/staff/signin/verify", data={"code": staff.current_code()})
        assert response.status_code == 302 and response.location in ("/coordinator/", "/admin/")
        return client

    return sign_in


# The browser, shared by the e2e tier and the production-shaped tier: one Playwright per test session (a
# second sync_playwright() inside the first one's event loop is refused).


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium: a missing browser fails in CI and skips elsewhere."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} is missing: apt-get install chromium (Debian's; never `playwright install`)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright, chromium):
    browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
