"""Database plumbing: the declarative base, a UTC timestamp type, and one session per request.

One transaction per unit of work: services flush, they do not commit. A web request commits once, after
the view, when its answer is a success or a redirect (status below 400), and rolls back otherwise (an
error page, a 4xx, an exception); a CLI command or a scheduler job runs in ``unit_of_work()``, which
commits once at the end or rolls back. So two use cases in one request either both land or neither does.
The few services that commit on their own say why where they do (the dispatcher, escalation, sign-in
attempts, the audit row of an export). Models never commit. The engine is made in ``init_app`` so that
importing this module opens nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now_utc() -> datetime:
    """The one clock of the app: an aware UTC instant. Pass it into domain functions as ``now``."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """An instant stored as UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use now_utc() or an aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: seconds to wait for a PostgreSQL connection before giving up (libpq waits for ever by default)
CONNECT_TIMEOUT_SECONDS = 10


def make_engine(url: str) -> Engine:
    # hide_parameters: bound values (a note, a phone number) never appear in an error's text or a log
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _sqlite_proper_transactions(engine)
    else:
        # a database that hangs (rather than refusing) must not hang every request and /healthz with it
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    event.listen(engine, "handle_error", redact_database_error)
    return engine


def redact_database_error(context) -> None:
    """Cut the driver's message down to what names no value. PostgreSQL adds ``DETAIL: Key (phone)=(+86…)``
    or ``Failing row contains (…)``, and its data errors (SQLSTATE class 22) quote the bad input
    (``invalid input syntax for type integer: "…"``). Kept: the error class, the SQLSTATE, the first line
    outside class 22, and the constraint, table and column names (schema, never data)."""
    original = context.original_exception
    diag = getattr(original, "diag", None)
    if diag is not None:  # psycopg
        sqlstate = original.sqlstate or ""
        first = "" if sqlstate.startswith("22") else (str(original).splitlines() or [""])[0]
        names = {"sqlstate": sqlstate, "constraint": diag.constraint_name, "table": diag.table_name,
                 "column": diag.column_name}
        text = "; ".join([first, ", ".join(f"{key} {value}" for key, value in names.items() if value)]).strip("; ")
    else:  # sqlite3: its messages name constraints and columns; strip any quoted value all the same
        first = (str(original).splitlines() or [""])[0]
        text = re.sub(r"(['\"]).*?\1", "'…'", first)
    original.args = (f"{type(original).__name__}: {text}",)
    wrapped = context.sqlalchemy_exception  # its message was built from the driver's before this hook
    if wrapped is not None:
        kind = type(original)
        wrapped.args = (f"({kind.__module__}.{kind.__name__}) {original.args[0]}",)


def _sqlite_proper_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, issue BEGIN, so SAVEPOINTs and foreign keys work.

    This is the recipe from the SQLAlchemy SQLite dialect documentation ("Serializable isolation /
    Savepoints / Transactional DDL").
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


class Database:
    """Holds the engine and session factory of one app; ``db.session`` is the request's session."""

    def init_app(self, app: Flask) -> None:
        # Tests pass DATABASE_BIND (a connection inside a transaction that is rolled back after each
        # test) with SESSION_OPTIONS={"join_transaction_mode": "create_savepoint"}.
        bind = app.config.get("DATABASE_BIND") or make_engine(app.config["DATABASE_URL"])
        factory = sessionmaker(bind=bind, expire_on_commit=False, **app.config.get("SESSION_OPTIONS", {}))
        app.extensions["database"] = (bind, factory)
        app.after_request(self._end_request)
        app.teardown_appcontext(self._remove)

    @property
    def engine(self) -> Engine:
        """The engine (or, in tests, the connection) that sessions are bound to."""
        return current_app.extensions["database"][0]

    @property
    def session(self) -> Session:
        """The session of the current app context, closed when the context ends."""
        if "db_session" not in g:
            g.db_session = current_app.extensions["database"][1]()
        return g.db_session

    @staticmethod
    def _end_request(response: Response) -> Response:
        """The request's one commit: on a success or a redirect; anything else (4xx, 5xx) rolls back.

        Flask runs this for error answers too, including the 500 made from an unhandled exception; a
        response streamed afterwards reads in a transaction of its own, ended when the context closes."""
        session = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    @staticmethod
    def _remove(_exc=None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for a CLI command or a scheduler job (inside an app context): commits once when the
    block ends, rolls back when it raises (SystemExit and KeyboardInterrupt too). Also a decorator:
    ``@unit_of_work()`` under ``@with_appcontext``."""
    session = db.session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()
