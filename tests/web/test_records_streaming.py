"""CSV exports are streamed (issue 8): the response is a stream of chunks read from batched queries, the
export is audited and committed before the first byte, a download cut off half-way ends its read
transaction, and an unknown export is still a 404. The gunicorn run with 200,000 rows and its memory is
tests/integration/test_export_streaming.py."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from companion.models import AuditEvent
from companion.services import audit, exports

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def staff_client(client, coordinator, signin_staff):
    return signin_staff(client, coordinator)


@pytest.fixture
def events(db_session, site, coordinator, participant):
    """A few more audit rows of the site than one batch holds once BATCH_SIZE is 2."""
    staff = audit.Actor("staff", coordinator.user.id, site.id)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    for n in range(5):
        audit.record(db_session, staff, "stream.test", at=start + timedelta(minutes=n), participant_id=participant.id)
    db_session.commit()


@pytest.fixture
def selects(app):
    """The ORM selects made by the app's sessions from now on: (what each selects first, its yield_per)."""
    seen, factory = [], app.extensions["database"][1]

    def record(state):
        if state.is_select:
            seen.append((state.statement.column_descriptions[0].get("expr"), state.execution_options.get("yield_per")))

    event.listen(factory, "do_orm_execute", record)
    yield seen
    event.remove(factory, "do_orm_execute", record)


def _batched(seen, name: str) -> list[int | None]:
    """The yield_per of each select of the export's rows (its model itself, not look-ups of some columns)."""
    model = exports.DOMAINS[name].query(1, None).column_descriptions[0]["entity"]
    return [batch for selected, batch in seen if selected is model]


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _audited(db_session, name: str) -> list[dict]:
    """The export's audit rows. The look ends its transaction: the stream's session reads on the same test
    connection, and two sessions' savepoints must not interleave on it."""
    found = db_session.scalars(select(AuditEvent.changes).where(AuditEvent.action == f"export.{name}")).all()
    db_session.rollback()
    return found


def test_export_is_streamed_in_chunks_and_audited_before_a_row_is_read(staff_client, db_session, events, selects,
                                                                         monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    response = staff_client.get("/coordinator/exports/audit_trail.csv")  # the test client takes the first chunk
    assert response.status_code == 200 and response.is_streamed and "Content-Length" not in response.headers
    assert _batched(selects, "audit_trail") == [], "no row read yet"
    (changes,) = _audited(db_session, "audit_trail")  # and yet audited and committed
    assert changes["format"] == "csv" and changes["rows"] >= 5
    chunks = list(response.response)
    header = ",".join(c.name for c in exports.DOMAINS["audit_trail"].columns)
    assert chunks[0] == BOM + f"{header}\r\n".encode(), "the header first, before any row is read"
    assert len(chunks) == 1 + -(-changes["rows"] // 2), "then one chunk per batch of rows"
    assert not any(c.startswith(BOM) for c in chunks[1:])
    rows = _rows(b"".join(chunks))
    assert len(rows) == changes["rows"] and "export.audit_trail" not in {r["action"] for r in rows}
    assert [r["action"] for r in rows].count("stream.test") == 5


@pytest.mark.parametrize("name", list(exports.DOMAINS))
def test_rows_come_from_a_batched_query(staff_client, db_session, events, selects, name):
    rows = _rows(staff_client.get(f"/coordinator/exports/{name}.csv").data)
    (changes,) = _audited(db_session, name)
    assert len(rows) == changes["rows"]
    assert _batched(selects, name) == ([exports.BATCH_SIZE] if rows else []), "the rows, one batched query"


def test_a_download_cut_off_ends_its_read_transaction(staff_client, events, connection, monkeypatch):
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    response = staff_client.get("/coordinator/exports/audit_trail.csv")
    stream = iter(response.response)
    assert next(stream).startswith(BOM) and next(stream).count(b"\n") == 2  # the header, then a first batch
    assert connection.in_nested_transaction(), "the stream's session reads in its own (nested) transaction"
    response.close()  # as a server does when the client goes away
    assert not connection.in_nested_transaction()
    assert staff_client.get("/coordinator/exports/visits.csv").status_code == 200


def test_dictionary_csv_is_streamed(staff_client):
    response = staff_client.get("/coordinator/exports/dictionary.csv")
    assert response.is_streamed and response.data.startswith(BOM + b"export,column,type,format,unit,meaning\r\n")
    assert len(_rows(response.data)) == len(exports.dictionary())


@pytest.mark.parametrize("name", ["secrets", "audit", "AUDIT_TRAIL", "audit_trail.csv"])
def test_an_unknown_export_is_404_and_not_audited(staff_client, db_session, name):
    assert staff_client.get(f"/coordinator/exports/{name}.csv").status_code == 404
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.startswith("export."))) == 0
