"""The production-shaped tier: nginx with TLS in front of gunicorn (APP_ENV=production) on PostgreSQL and
Redis, the scheduler process, and SMS through the real ``twilio`` library to a local fake Twilio.

The stack is started once for the tier, the way README "Deploy" says (see ``stack``), on a database of its
own next to the suite's (``<name>_production``). It needs PostgreSQL: with the SQLite default the tier is
skipped with that reason; ``.ci/run`` runs it in its PostgreSQL pass.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.production import stack
from tests.production.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "1" * 32
FROM_NUMBER = "+15005550006"
ADMIN_EMAIL, COORDINATOR_EMAIL = "it-admin@hospital.example", "coordinator@hospital.example"
STAFF_PASSWORD = "a long passphrase for the production tier"  # noqa: S105 - test only
REDIS_DB = 14

pytestmark = pytest.mark.production


@dataclass
class Staff:
    email: str
    password: str
    secret: str


@dataclass
class Stack:
    url: str  # https://localhost:<port>
    http_url: str  # http://localhost:<port>, which only redirects
    env_file: Path
    settings: dict[str, str]
    cert: Path
    twilio: FakeTwilio
    db: Engine
    log_dir: Path
    coordinator: Staff
    admin: Staff
    processes: list[stack.Process]

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, verify=str(self.cert), timeout=30, allow_redirects=False, **kwargs)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """``flask --app app ...`` on the server, with the environment file (README "Deploy")."""
        return stack.run(self.env_file, [str(stack.ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args],
                         stdin=stdin)

    def process(self, name: str) -> stack.Process:
        return next(p for p in self.processes if p.name == name)

    def logs(self) -> str:
        return "\n".join(p.output() for p in self.processes)


def _postgres_server(database_url: str) -> str:
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("the production tier runs on PostgreSQL (set TEST_DATABASE_URL; .ci/run does)")
    return url


def _fresh_database(server_url, name: str) -> str:
    admin = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server_url.set(database=name, drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _staff(stack_env: Path, email: str, role: str) -> Staff:
    out = stack.run(stack_env, [str(stack.ROOT / ".venv" / "bin" / "flask"), "--app", "app", "create-coordinator",
                                "--email", email, "--role", role, "--password-stdin"], stdin=STAFF_PASSWORD + "\n")
    secret = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("TOTP secret:"))
    return Staff(email=email, password=STAFF_PASSWORD, secret=secret)


@pytest.fixture(scope="session")
def production(database_url, tmp_path_factory) -> Stack:
    server = _postgres_server(database_url)
    nginx = stack.require("nginx")
    stack.require("envsubst")
    work = tmp_path_factory.mktemp("production")
    (work / "logs").mkdir()
    cert, key = stack.make_certificate(work)
    https_port, http_port, app_port, twilio_port = (stack.free_port() for _ in range(4))
    auth_token = secrets.token_hex(16)
    db_name = f"{server.database}_production"
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": _fresh_database(server, db_name),
        "RATELIMIT_STORAGE_URI": redis_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": auth_token,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{twilio_port}",
        "PUBLIC_URL": f"https://localhost:{https_port}",
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "WEB_WORKERS": "2",
        "SERVER_NAME": "localhost",
        "HTTPS_PORT": str(https_port),
        "HTTP_PORT": str(http_port),
        "TLS_CERT": str(cert),
        "TLS_KEY": str(key),
        "APP_ROOT": str(stack.ROOT),
        "APP_UPSTREAM": f"127.0.0.1:{app_port}",
        "NGINX_LOG_DIR": str(work / "logs"),
        "BACKUP_DIR": str(work / "backups"),
    }
    env_file = stack.write_env_file(work / "companion.env", settings)
    values = stack.parse_env_file(env_file)
    twilio = FakeTwilio(ACCOUNT_SID, auth_token, str(cert), twilio_port).start()
    processes: list[stack.Process] = []
    engine = create_engine(values["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    try:  # whatever fails while starting, nothing is left running
        flask = str(stack.ROOT / ".venv" / "bin" / "flask")

        # README "Deploy": compile the catalogues, migrate, the first accounts
        stack.run(env_file, [str(stack.ROOT / ".venv" / "bin" / "pybabel"), "-q", "compile", "-d",
                             "companion/translations"])
        stack.run(env_file, [flask, "--app", "app", "db", "upgrade"])
        admin = _staff(env_file, ADMIN_EMAIL, "administrator")
        coordinator = _staff(env_file, COORDINATOR_EMAIL, "coordinator")

        for name, unit in (("gunicorn", "companion-web.service"), ("scheduler", "companion-scheduler.service")):
            argv, workdir = stack.unit_command(unit)
            processes.append(stack.Process(name, stack.with_env_file(env_file, argv), workdir,
                                           work / "logs" / f"{name}.log").start())
        site = stack.render_nginx_site(env_file, work / "companion.conf")
        main_config = stack.nginx_main_config(work, site)
        checked = stack.subprocess.run([nginx, "-t", "-p", str(work), "-c", str(main_config)], capture_output=True,
                                       text=True, check=False)
        assert checked.returncode == 0, f"nginx -t refused the rendered site:\n{checked.stderr}"
        processes.append(stack.Process("nginx", [nginx, "-p", str(work), "-c", str(main_config), "-g", "daemon off;"],
                                       work, work / "logs" / "nginx.log").start())
        result = Stack(url=values["PUBLIC_URL"], http_url=f"http://localhost:{http_port}", env_file=env_file,
                       settings=values, cert=cert, twilio=twilio, db=engine, log_dir=work / "logs",
                       coordinator=coordinator, admin=admin, processes=processes)

        def healthy() -> bool:
            try:
                return result.get("/healthz").status_code == 200
            except requests.RequestException:
                return False

        stack.wait_for(healthy, 120, "GET /healthz through nginx to answer 200", processes)
        yield result
    finally:
        for process in reversed(processes):
            process.stop()
        twilio.stop()
        engine.dispose()


@pytest.fixture
def new_context(browser, playwright):
    """``new_context("phone" | "desktop", locale)``: a fresh browser at that size, trusting the test certificate
    (Chromium is told to accept it; everything else about the origin is real HTTPS)."""
    contexts = []

    def open_context(size: str, locale: str = "zh-CN"):
        if size == "phone":
            options = dict(playwright.devices["Pixel 7"])
            options.pop("default_browser_type", None)
        else:
            options = {"viewport": {"width": 1366, "height": 900}}
        context = browser.new_context(**options, locale=locale, timezone_id="Asia/Shanghai", ignore_https_errors=True,
                                      accept_downloads=True)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def utcnow() -> datetime:
    return datetime.now(UTC)
