"""Exports of one site's records and its audit trail (issue 5, points 6 and 7).

CSV per domain, the data dictionary, and one participant's whole record as data for a printable page and
for JSON (RELIABILITY-SECURITY.md, "Electronic records": human- and machine-readable). What is exported,
column by column, is defined in ``companion.services.export_dictionary``. Instants are ISO 8601 in UTC,
days YYYY-MM-DD. Every export writes an audit row (``export.<domain>``, ``export.participant_record``)
and commits; nothing here reads the clock or the request.

CSV files are generators of chunks, read from the database in batches (issue 8: a 490,000-row audit trail
built in memory took 2 GB and 25 s): memory stays flat whatever the size, and a web worker sends the file
as it is made.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from companion.models import AuditEvent, Participant, Site, StaffUser
from companion.models.workspace import Assessment
from companion.services import audit
from companion.services.export_dictionary import DOMAINS, TYPES, Domain, audit_scope, scoped

__all__ = ["DOMAINS", "TYPES", "AuditFilter", "Context", "CsvExport", "audit_page", "begin_csv", "csv_chunks",
           "dictionary", "dictionary_csv", "export_csv", "participant_record"]

#: a cell starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DICTIONARY_HEADER = ["export", "column", "type", "format", "unit", "meaning"]
PAGE_SIZE = 50
#: rows read from the database at a time, and rows per chunk of a CSV file sent
BATCH_SIZE = 1000


class Context:
    """Look-ups shared by the rows of one export, each made with one query when first needed."""

    def __init__(self, session: Session, site: Site):
        self.session, self.site = session, site

    @cached_property
    def study_ids(self) -> dict[int, str]:
        return dict(self.session.execute(
            select(Participant.id, Participant.study_id).where(Participant.site_id == self.site.id)).all())

    @cached_property
    def staff(self) -> dict[int, str]:
        return dict(self.session.execute(select(StaffUser.id, StaffUser.email)).all())

    @cached_property
    def assessment_of_visit(self) -> dict[int, Assessment]:
        """The current, not voided assessment of each visit of the site."""
        rows = self.session.scalars(scoped(Assessment, self.site.id, None).where(
            Assessment.superseded_at.is_(None), Assessment.voided.is_(False)).order_by(Assessment.id))
        return {a.visit_id: a for a in rows}

    def who(self, kind: str | None, ident: int | None) -> str:
        """Staff by email, participants by study ID, else "cli" or "system"."""
        if kind == "staff":
            return self.staff.get(ident, f"staff #{ident}")
        if kind == "participant":
            return self.study_ids.get(ident, f"participant #{ident}")
        return kind or ""


def cell(value, type_: str):
    """A column value as JSON-safe data: instants in UTC, days as YYYY-MM-DD, decimals as exact text."""
    if value is None or type_ in ("integer", "boolean", "json", "text"):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_cell(value, type_: str) -> str:
    """The text of a CSV cell; one that a spreadsheet would run as a formula gets a leading apostrophe."""
    value = cell(value, type_)
    if value is None:
        text = ""
    elif type_ == "boolean":
        text = "true" if value else "false"
    elif type_ == "json":
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _encoded(header: list[str], rows: Iterable[list[str]]) -> Iterator[bytes]:
    """CSV as chunks: the header at once (UTF-8 with a byte-order mark, so that spreadsheet programs read
    Chinese text correctly), so a download starts before the first row is read, then one chunk per
    BATCH_SIZE rows, so only one chunk is ever held in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _drain(buffer, "utf-8-sig")
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % BATCH_SIZE == 0:
            yield _drain(buffer, "utf-8")
    if buffer.tell():
        yield _drain(buffer, "utf-8")


def _drain(buffer: io.StringIO, encoding: str) -> bytes:
    data = buffer.getvalue().encode(encoding)
    buffer.seek(0)
    buffer.truncate()
    return data


def _rows(session: Session, domain: Domain, ctx: Context, participant_id: int | None = None) -> list:
    return list(session.scalars(domain.query(ctx.site.id, participant_id)))


@dataclass(frozen=True, slots=True)
class CsvExport:
    """An export that is audited and committed, waiting to be streamed: its rows are those of the domain's
    query up to ``last_id`` (the highest id when they were counted), so the file holds the ``rows`` audited."""

    name: str
    site_id: int
    rows: int
    last_id: int | None


def _model(query):
    """The model whose rows ``query`` selects (every export's first entity, with an ``id`` primary key)."""
    return query.column_descriptions[0]["entity"]


def begin_csv(session: Session, name: str, *, site_id: int, actor: audit.Actor, now: datetime) -> CsvExport:
    """Count one domain's rows of the site and audit the export, committed before a byte is sent, so that a
    download cut off half-way is audited all the same (KeyError for an unknown domain).

    One COUNT query, with the highest id: the stream stops there, so rows added meanwhile (this export's own
    audit event first of all) are not in the file and the count audited is the file's. The count and the
    stream are two transactions, so one race remains: a row whose id was drawn before the count but that was
    committed after it, before the stream's read, is in the file and not in the count.
    """
    query = DOMAINS[name].query(site_id, None)
    ids = query.with_only_columns(_model(query).id).order_by(None).subquery()
    rows, last_id = session.execute(select(func.count(), func.max(ids.c.id))).one()
    audit.record(session, actor, f"export.{name}", at=now, site_id=site_id, changes={"format": "csv", "rows": rows})
    # Commits on its own (companion/db.py): the export is audited before its first byte leaves, and the
    # streamed body is read in a transaction of its own, after the request's commit.
    session.commit()
    return CsvExport(name, site_id, rows, last_id)


def csv_chunks(session: Session, export: CsvExport) -> Iterator[bytes]:
    """The file of a begun export, made as it is sent: see ``_encoded`` and ``_cells``."""
    domain = DOMAINS[export.name]
    rows = _cells(session, domain, export)
    try:
        yield from _encoded([c.name for c in domain.columns], rows)
    finally:
        rows.close()  # a download cut off half-way: end the read at once, not when garbage is collected


def _cells(session: Session, domain: Domain, export: CsvExport) -> Iterator[list[str]]:
    """The export's rows as CSV cells, read BATCH_SIZE at a time (a server-side cursor on PostgreSQL), so
    memory stays flat whatever the size of the export; look-ups (``Context``) are still one query each.
    The read transaction ends when the rows are done or the generator is closed, so no connection is left
    idle in a transaction."""
    if export.last_id is None:
        return
    ctx = Context(session, session.get(Site, export.site_id))
    query = domain.query(export.site_id, None)
    query = query.where(_model(query).id <= export.last_id).execution_options(yield_per=BATCH_SIZE)
    result = session.scalars(query)
    try:
        for row in result:
            yield [csv_cell(c.get(row, ctx), c.type) for c in domain.columns]
    finally:
        result.close()
        session.rollback()  # begin_csv committed and nothing was written since: this ends the read transaction


def export_csv(session: Session, name: str, *, site_id: int, actor: audit.Actor, now: datetime) -> Iterator[bytes]:
    """``begin_csv`` now (audited and committed on return), then ``csv_chunks`` on the same session."""
    return csv_chunks(session, begin_csv(session, name, site_id=site_id, actor=actor, now=now))


def participant_record(session: Session, participant_id: int, *, site_id: int, actor: audit.Actor, now: datetime,
                       fmt: str) -> dict | None:
    """Everything stored about one participant of the site (None if not of this site); audited and committed.

    ``{"study_id", "site_code", "generated_at", "sections": {domain: [{column: value}, ...]}}`` with the
    sections in DOMAINS order and the values of ``cell``; the audit trail section ends before this export.
    """
    participant = session.scalar(select(Participant).where(Participant.id == participant_id,
                                                           Participant.site_id == site_id))
    if participant is None:
        return None
    ctx = Context(session, participant.site)
    sections = {name: [{c.name: cell(c.get(row, ctx), c.type) for c in domain.columns}
                       for row in _rows(session, domain, ctx, participant.id)]
                for name, domain in DOMAINS.items()}
    audit.record(session, actor, "export.participant_record", at=now, entity=participant,
                 participant_id=participant.id, site_id=site_id, changes={"format": fmt})
    return {"study_id": participant.study_id, "site_code": ctx.site.code, "generated_at": cell(now, "instant"),
            "sections": sections}


def dictionary() -> list[dict[str, str]]:
    """Every column of every export: export, column, type, format (of that type), unit, meaning."""
    return [{"export": d.name, "column": c.name, "type": c.type, "format": TYPES[c.type], "unit": c.unit,
             "meaning": c.meaning} for d in DOMAINS.values() for c in d.columns]


def dictionary_csv() -> Iterator[bytes]:
    return _encoded(DICTIONARY_HEADER, ([csv_cell(row[k], "text") for k in DICTIONARY_HEADER] for row in dictionary()))


# --- the audit trail viewer (point 7) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the viewer asks for; ``start`` is inclusive and ``end`` exclusive (UTC instants)."""

    participant_id: int | None = None
    actor_type: str | None = None
    actor_id: int | None = None
    #: exact action, or every action under it ("visit" finds visit.move); a trailing * matches any start
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def local_days_to_utc(zone: str, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants from the start of ``first`` to the end of ``last``, local days of ``zone``, in UTC."""
    tz = ZoneInfo(zone)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC) if first else None
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC) if last else None
    return start, end


def site_participant_id(session: Session, site_id: int, study_id: str) -> int | None:
    return session.scalar(select(Participant.id).where(Participant.site_id == site_id,
                                                       Participant.study_id == study_id.strip().upper()))


def site_staff_id(session: Session, site_id: int, email: str) -> int | None:
    """A staff member of the site, or one who acted on the site's records (e.g. an administrator)."""
    acted = audit_scope(site_id).with_only_columns(AuditEvent.actor_id).where(AuditEvent.actor_type == "staff")
    return session.scalar(select(StaffUser.id).where(
        StaffUser.email == email.strip().lower(), or_(StaffUser.site_id == site_id, StaffUser.id.in_(acted))))


def audit_page(session: Session, site_id: int, flt: AuditFilter, *, page: int = 1,
               per_page: int = PAGE_SIZE) -> tuple[list[AuditEvent], bool, Context]:
    """One page of the site's audit trail, newest first, whether a next page exists, and look-ups for it."""
    query = audit_scope(site_id)
    if flt.participant_id is not None:
        query = query.where(AuditEvent.participant_id == flt.participant_id)
    if flt.actor_type:
        query = query.where(AuditEvent.actor_type == flt.actor_type)
    if flt.actor_id is not None:
        query = query.where(AuditEvent.actor_id == flt.actor_id)
    if flt.action and flt.action.endswith("*"):
        query = query.where(AuditEvent.action.startswith(flt.action[:-1], autoescape=True))
    elif flt.action:
        query = query.where(or_(AuditEvent.action == flt.action,
                                AuditEvent.action.startswith(flt.action + ".", autoescape=True)))
    if flt.start is not None:
        query = query.where(AuditEvent.at >= flt.start)
    if flt.end is not None:
        query = query.where(AuditEvent.at < flt.end)
    rows = list(session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .offset((page - 1) * per_page).limit(per_page + 1)))
    return rows[:per_page], len(rows) > per_page, Context(session, session.get(Site, site_id))
