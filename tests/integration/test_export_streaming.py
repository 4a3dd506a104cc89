"""A 200,000-row audit trail exported through a real gunicorn (issue 8): the file streams row by row, so the
worker's peak memory stays under 200 MB, and a worker timeout shorter than the download does not cut it.

gunicorn runs with the repository's own deploy/gunicorn.conf.py (gthread workers), one worker, and
WEB_TIMEOUT lower than the time the export takes. The test signs in as a coordinator the way a browser
does (CSRF token, password, then TOTP), reads the download to nothing while counting lines, and reads the
worker's peak resident memory (VmHWM) from /proc.

The rows are committed for real (gunicorn has its own connections), so the test makes its own site and
removes what it made afterwards. It needs PostgreSQL: production runs on it, the rows are then read through
a server-side cursor, and the 200,000 rows are made by one INSERT ... SELECT generate_series.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from companion.models import AuditEvent
from companion.services.export_dictionary import audit_scope
from tests import factories

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
ROWS = 200_000
#: seconds; gunicorn's worker timeout, well under the time the export takes (checked below)
WEB_TIMEOUT = 3
PEAK_LIMIT_MB = 200
BOM = b"\xef\xbb\xbf"

BULK_INSERT = text("""
    INSERT INTO audit_events (at, actor_type, actor_id, action, entity_type, entity_id, participant_id, site_id,
                              reason, changes)
    SELECT :start + n * interval '1 second', 'staff', :staff, 'visit.move', 'Visit', n, NULL, :site,
           'asked by the participant, row ' || n,
           json_build_object('planned_date', json_build_array('2026-03-01', '2026-03-04'), 'note', '=1+' || n)
    FROM generate_series(1, :rows) AS n
""")


@dataclass
class Trail:
    site_id: int
    site_code: str
    staff: factories.StaffLogin


@dataclass
class Server:
    url: str
    master: int


@pytest.fixture
def trail(engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (production's database, server-side cursors, generate_series); "
                    "runs in CI's PostgreSQL pass")
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    site = factories.site(session, code=f"S{uuid.uuid4().hex[:8].upper()}")
    staff = factories.coordinator(session, site)
    session.execute(BULK_INSERT, {"start": datetime(2026, 1, 1, tzinfo=UTC), "staff": staff.user.id,
                                  "site": site.id, "rows": ROWS})
    session.commit()
    session.close()
    yield Trail(site.id, site.code, staff)
    with engine.begin() as conn:  # raw SQL: the audit trail refuses deletes through the ORM, as it should
        conn.execute(text("DELETE FROM audit_events WHERE site_id = :s OR (actor_type = 'staff' AND actor_id = :u)"),
                     {"s": site.id, "u": staff.user.id})
        conn.execute(text("DELETE FROM auth_sessions WHERE staff_id = :u"), {"u": staff.user.id})
        conn.execute(text("DELETE FROM staff_users WHERE site_id = :s"), {"s": site.id})
        conn.execute(text("DELETE FROM sites WHERE id = :s"), {"s": site.id})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url, "SECRET_KEY": "s" * 40,
           "SMS_BACKEND": "fake", "RATELIMIT_STORAGE_URI": "memory://", "WEB_WORKERS": "1",
           "WEB_TIMEOUT": str(WEB_TIMEOUT), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and config
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), "app:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process, log_path)
        yield Server(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(log_path.read_text(errors="replace")[-3000:])


def _wait_until_serving(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {log_path.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{url}/staff/signin", timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 60 s")


def _workers(master: int) -> list[int]:
    """The gunicorn master's children (no psutil here: /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{master}$", status.read_text(), re.M):
                found.append(int(status.parent.name))
        except OSError:
            continue
    return found


def _kib(pid: int, field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB$", Path(f"/proc/{pid}/status").read_text(), re.M).group(1))


def _reset_peak(pid: int) -> bool:
    """Start the peak (VmHWM) afresh from the current size, so that it measures the export alone and not the
    sign-in (argon2 hashes a password with 64 MB of memory); False where the kernel does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def _sign_in(http: requests.Session, base: str, staff: factories.StaffLogin) -> None:
    http.headers["Accept-Language"] = "en"
    token = _csrf(http, f"{base}/staff/signin")
    response = http.post(f"{base}/staff/signin", allow_redirects=False, timeout=10,
                         data={"email": staff.email, "password": staff.password, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/signin/verify")
    token = _csrf(http, f"{base}/staff/signin/verify")
    response = http.post(f"{base}/staff/signin/verify", allow_redirects=False, timeout=10,
                         data={"code": staff.current_code(), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/"), response.text


def test_a_200000_row_audit_trail_streams_in_little_memory_past_the_worker_timeout(trail, server, engine):
    (worker,) = _workers(server.master)
    http = requests.Session()
    _sign_in(http, server.url, trail.staff)
    signed_in_mb = _kib(worker, "VmHWM") / 1024
    reset = _reset_peak(worker)
    start_mb = _kib(worker, "VmRSS") / 1024
    with engine.connect() as conn:  # the bulk rows, and the site's own events (its sign-in included)
        rows = conn.scalar(select(func.count()).select_from(audit_scope(trail.site_id).subquery()))
    assert rows > ROWS

    started = time.monotonic()
    with http.get(f"{server.url}/coordinator/exports/audit_trail.csv", stream=True, timeout=(5, 300)) as response:
        assert response.status_code == 200, response.text
        headers = response.headers
        first, lines, size, last = b"", 0, 0, b""
        for chunk in response.iter_content(chunk_size=1 << 16):
            if not first:
                first, first_byte = chunk[:100], time.monotonic() - started
            lines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
    duration = time.monotonic() - started

    peak_mb = _kib(worker, "VmHWM") / 1024
    print(f"\n{lines - 1} rows, {size / 1e6:.1f} MB in {duration:.1f} s, first byte after {first_byte:.2f} s "
          f"(WEB_TIMEOUT {WEB_TIMEOUT} s); worker peak memory {peak_mb:.0f} MB from {start_mb:.0f} MB at the start "
          f"({'not ' if reset else ''}including the sign-in's peak of {signed_in_mb:.0f} MB)")
    assert re.fullmatch(rf'attachment; filename="{trail.site_code}-audit_trail-\d{{4}}-\d{{2}}-\d{{2}}\.csv"',
                        headers["Content-Disposition"])
    assert "Content-Length" not in headers, "streamed, not built first"
    assert first.startswith(BOM + b"event_id,at,actor_type,actor_id,actor,action,")
    assert last == b"\n" and lines == 1 + rows, "the whole file arrived"
    assert duration > WEB_TIMEOUT, "the download must outlast the worker timeout for this test to mean anything"
    assert first_byte < WEB_TIMEOUT, "the file is sent as it is read, not built first"
    assert _workers(server.master) == [worker], "the worker was not killed or replaced"
    assert peak_mb < PEAK_LIMIT_MB
    with engine.connect() as conn:
        audited = conn.execute(select(AuditEvent.changes).where(
            AuditEvent.action == "export.audit_trail", AuditEvent.site_id == trail.site_id)).scalars().all()
    assert audited == [{"format": "csv", "rows": rows}]
