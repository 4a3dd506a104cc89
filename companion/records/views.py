"""Exports, a participant's whole record and the audit trail viewer, for coordinators and investigators.

Thin views: parse the request, call companion.services.exports (which audits every export and commits),
then render or send a file. Every query is limited to the user's own site; another site's participant
is a 404. CSV files are streamed as they are read (issue 8), never built in memory first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from companion.auth.access import roles_required
from companion.auth.guards import site_participant
from companion.db import db, now_utc
from companion.models import Participant
from companion.services import audit, exports
from companion.services.schedules import local_today

blueprint = Blueprint("records", __name__, url_prefix="/coordinator")
readers = roles_required("coordinator", "investigator")

#: the audit viewer's filters (query string names)
FILTERS = ("participant", "user", "action", "from", "to")
OTHER_ACTORS = ("participant", "cli", "system")
ACTION = re.compile(r"[a-z0-9_.]{1,64}\*?")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_PAGE = 100_000


class BadFilter(ValueError):
    """A filter value that cannot be used; its message is shown with a 400."""


def _actor() -> audit.Actor:
    return audit.Actor("staff", current_user.user.id, current_user.user.site_id)


def _download(data: bytes | str | Iterable[bytes], mimetype: str, now: datetime, *parts: str, ext: str) -> Response:
    """An attachment named after the site, what it holds and the site's local day, e.g. PUMCH-diary-2026-03-02.csv."""
    site = current_user.user.site
    name = "-".join([site.code, *parts, local_today(site.timezone, now).isoformat()])
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{re.sub(r"[^A-Za-z0-9_.-]", "_", name)}.{ext}"'
    return response


@blueprint.route("/exports")
@readers
def exports_index():
    return render_template("records/exports.html", domains=list(exports.DOMAINS))


@blueprint.route("/exports/<domain>.csv")
@readers
def export(domain: str):
    if domain not in exports.DOMAINS:
        abort(404)
    now = now_utc()
    begun = exports.begin_csv(db.session, domain, site_id=current_user.user.site_id, actor=_actor(), now=now)
    return _download(stream_with_context(_csv_stream(begun)), "text/csv", now, domain, ext="csv")


def _csv_stream(begun: exports.CsvExport) -> Iterator[bytes]:
    """The file, read while it is sent. ``db.session`` is looked up only once the stream has started: the
    view's session is closed when the view returns, and the stream's own is closed when it ends or is cut."""
    yield from exports.csv_chunks(db.session, begun)


@blueprint.route("/exports/dictionary")
@readers
def dictionary():
    return render_template("records/dictionary.html", rows=exports.dictionary(), types=exports.TYPES,
                           domains=list(exports.DOMAINS))


@blueprint.route("/exports/dictionary.csv")
@readers
def dictionary_csv():
    return _download(exports.dictionary_csv(), "text/csv", now_utc(), "data-dictionary", ext="csv")


def _record(participant: Participant, fmt: str, now: datetime) -> dict:
    record = exports.participant_record(db.session, participant.id, site_id=current_user.user.site_id,
                                        actor=_actor(), now=now, fmt=fmt)
    if record is None:
        abort(404)
    return record


@blueprint.route("/participants/<int:participant_id>/record")
@readers
@site_participant
def record(participant: Participant):
    data = _record(participant, "html", now_utc())
    columns = {name: [c.name for c in domain.columns] for name, domain in exports.DOMAINS.items()}
    return render_template("records/record.html", record=data, columns=columns, participant_id=participant.id)


@blueprint.route("/participants/<int:participant_id>/record.json")
@readers
@site_participant
def record_json(participant: Participant):
    now = now_utc()
    data = _record(participant, "json", now)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return _download(body, "application/json", now, data["study_id"], "record", ext="json")


def _day(raw: str, label: str) -> date | None:
    if not raw:
        return None
    try:
        if not DAY.fullmatch(raw):
            raise ValueError(raw)
        day = date.fromisoformat(raw)
        if not 1970 <= day.year <= 2999:
            raise ValueError(raw)
    except ValueError as exc:
        raise BadFilter(_("%(field)s: enter a date as YYYY-MM-DD.", field=label)) from exc
    return day


def _audit_filter(values: dict[str, str], site) -> exports.AuditFilter:
    """Check the filters of the audit viewer; BadFilter names the first that cannot be used."""
    if any(len(v) > 254 for v in values.values()):
        raise BadFilter(_("A filter value is too long."))
    participant_id = actor_type = actor_id = None
    if values["participant"]:
        participant_id = exports.site_participant_id(db.session, site.id, values["participant"])
        if participant_id is None:
            raise BadFilter(_("There is no participant %(study_id)s at this site.", study_id=values["participant"]))
    user = values["user"].lower()
    if user in OTHER_ACTORS:
        actor_type = user
    elif user:
        actor_type, actor_id = "staff", exports.site_staff_id(db.session, site.id, user)
        if actor_id is None:
            raise BadFilter(_("There is no staff member %(email)s at this site.", email=values["user"]))
    if values["action"] and not ACTION.fullmatch(values["action"]):
        raise BadFilter(_("An action is written in lower-case letters, digits, dots and underscores, such as "
                          "visit.move, optionally ending in *."))
    first, last = _day(values["from"], _("From (day)")), _day(values["to"], _("To (day, included)"))
    if first and last and first > last:
        raise BadFilter(_("The first day is after the last day."))
    start, end = exports.local_days_to_utc(site.timezone, first, last)
    return exports.AuditFilter(participant_id=participant_id, actor_type=actor_type, actor_id=actor_id,
                               action=values["action"] or None, start=start, end=end)


def _page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadFilter(_("Page: enter a page number from 1."))
    return int(raw)


@blueprint.route("/audit")
@readers
def audit_trail():
    """The site's audit trail, newest first, 50 rows a page; times in the site's zone."""
    site = current_user.user.site
    values = {name: request.args.get(name, "").strip() for name in FILTERS}
    page_args = {k: v for k, v in values.items() if v}
    try:
        page = _page(request.args.get("page"))
        flt = _audit_filter(values, site)
    except BadFilter as exc:
        return render_template("records/audit.html", values=values, error=str(exc), rows=[], page=1,
                               has_next=False, ctx=None, zone=site.timezone, page_args=page_args), 400
    rows, has_next, ctx = exports.audit_page(db.session, site.id, flt, page=page)
    return render_template("records/audit.html", values=values, error=None, rows=rows, page=page,
                           has_next=has_next, ctx=ctx, zone=site.timezone, page_args=page_args)
