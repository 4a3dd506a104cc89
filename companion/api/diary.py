"""/api/v1 endpoints for the participant's own diary entries, steroid doses and check-ins.

Creating takes a client-generated id, so an offline phone can send the same entry again safely:
the first call answers 201, a repeat answers 200 with the stored record and creates nothing.
The checks are the services' own, the same as the forms'.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint, abort

from companion.api import diary_schemas as s
from companion.auth.access import participant_api
from companion.auth.guards import own_record
from companion.db import db, now_utc
from companion.domain import steroid_table
from companion.forms import field_errors
from companion.models import CheckIn, DiaryEntry, SteroidDose
from companion.services import audit, checkins, diary, records, schedules, steroids
from companion.services.errors import ValidationFailed

blueprint = Blueprint("api_v1_diary", __name__, url_prefix="/api/v1", description="Diary, steroid doses, check-ins")


def _me():
    return current_user.user


def _context() -> dict:
    me = _me()
    return {"actor": audit.Actor("participant", me.id, me.site_id), "now": now_utc(),
            "today": schedules.local_today(me.timezone, now_utc()),
            "late_days": current_app.config["DIARY_LATE_DAYS"]}


def _invalid(exc: ValidationFailed):
    abort(422, message="Invalid input", errors={"json": field_errors(exc.errors)})


def _out(saved) -> tuple[object, int]:
    row = saved.record
    row.urgent = saved.urgent
    if isinstance(row, SteroidDose):
        row.prednisone_equivalent_mg = steroid_table.prednisone_equivalent(row.drug, row.dose_mg)
    return row, 201 if saved.created else 200


def _listing(model, args):
    if (args["end"] - args["start"]).days > 366:
        abort(422, message="Ask for at most a year at a time",
              errors={"query": field_errors({"end": "range over a year"})})
    rows = records.current_versions(db.session, model, _me().id, args["start"], args["end"])
    for row in rows:
        row.urgent = False
        if isinstance(row, SteroidDose):
            row.prednisone_equivalent_mg = steroid_table.prednisone_equivalent(row.drug, row.dose_mg)
    return rows


@blueprint.route("/diary-entries", methods=["GET"])
@participant_api
@blueprint.arguments(s.RangeQuery, location="query")
@blueprint.response(200, s.DiaryEntryOut(many=True))
def list_entries(args):
    """The participant's current diary entries between two local days (voided ones marked)."""
    return _listing(DiaryEntry, args)


@blueprint.route("/diary-entries", methods=["POST"])
@participant_api
@blueprint.arguments(s.DiaryEntryIn)
@blueprint.response(201, s.DiaryEntryOut)
@blueprint.alt_response(200, schema=s.DiaryEntryOut, description="Already stored under this client_id")
def create_entry(data):
    """Log a day (one entry per local day; sending the day again corrects it, see corrections)."""
    try:
        return _out(diary.save_day(db.session, _me(), diary.DiaryInput(**data), **_context()))
    except ValidationFailed as exc:
        _invalid(exc)


@blueprint.route("/diary-entries/<int:record_id>/corrections", methods=["POST"])
@participant_api
@own_record(DiaryEntry)
@blueprint.arguments(s.DiaryCorrectionIn)
@blueprint.response(201, s.DiaryEntryOut)
def correct_entry(data, record: DiaryEntry):
    """Correct an entry: a new version; a reason is required once the day is over."""
    if record.voided or record.local_date != data["local_date"]:
        abort(404, message="No such entry for that day")
    try:
        return _out(diary.save_day(db.session, _me(), diary.DiaryInput(**data), **_context()))
    except ValidationFailed as exc:
        _invalid(exc)


@blueprint.route("/steroid-doses", methods=["GET"])
@participant_api
@blueprint.arguments(s.RangeQuery, location="query")
@blueprint.response(200, s.SteroidDoseOut(many=True))
def list_doses(args):
    """The participant's current steroid doses between two local days."""
    return _listing(SteroidDose, args)


@blueprint.route("/steroid-doses", methods=["POST"])
@participant_api
@blueprint.arguments(s.SteroidDoseIn)
@blueprint.response(201, s.SteroidDoseOut)
@blueprint.alt_response(200, schema=s.SteroidDoseOut, description="Already stored under this client_id")
def create_dose(data):
    """Log a dose: a drug from the list with tablet strength and number of tablets, or mg."""
    try:
        return _out(steroids.add(db.session, _me(), steroids.DoseInput(**data), **_context()))
    except ValidationFailed as exc:
        _invalid(exc)


@blueprint.route("/steroid-doses/<int:record_id>/corrections", methods=["POST"])
@participant_api
@own_record(SteroidDose)
@blueprint.arguments(s.SteroidCorrectionIn)
@blueprint.response(201, s.SteroidDoseOut)
def correct_dose(data, record: SteroidDose):
    """Correct a dose: a new version; a reason is required once the day is over."""
    reason = data.pop("reason")
    context = _context()
    try:
        row = steroids.correct(db.session, _me(), record.record_id, steroids.DoseInput(**data), reason, **context)
    except ValidationFailed as exc:
        if "record" in exc.errors:
            abort(404, message="No such dose")
        _invalid(exc)
    return _out(diary.Saved(row, created=True))


@blueprint.route("/check-ins", methods=["GET"])
@participant_api
@blueprint.arguments(s.RangeQuery, location="query")
@blueprint.response(200, s.CheckInOut(many=True))
def list_check_ins(args):
    """The participant's check-ins between two local days."""
    return _listing(CheckIn, args)


@blueprint.route("/check-ins", methods=["POST"])
@participant_api
@blueprint.arguments(s.CheckInIn)
@blueprint.response(201, s.CheckInOut)
@blueprint.alt_response(200, schema=s.CheckInOut, description="Already stored under this client_id")
def create_check_in(data):
    """A post-infusion, PHQ-2 or PHQ-9 check-in; ``urgent`` tells the app to show urgent advice."""
    try:
        return _out(checkins.save(db.session, _me(), checkins.CheckInInput(**data), **_context()))
    except ValidationFailed as exc:
        _invalid(exc)


@blueprint.route("/check-ins/<int:record_id>/corrections", methods=["POST"])
@participant_api
@own_record(CheckIn)
@blueprint.arguments(s.CheckInCorrectionIn)
@blueprint.response(201, s.CheckInOut)
def correct_check_in(data, record: CheckIn):
    """Correct a check-in's answers: a new version; a reason is required once the day is over."""
    context = _context()
    context.pop("late_days")
    try:
        saved = checkins.correct(db.session, _me(), record.record_id, data["answers"], data["reason"], **context)
    except ValidationFailed as exc:
        if "record" in exc.errors:
            abort(404, message="No such check-in")
        _invalid(exc)
    return _out(saved)
