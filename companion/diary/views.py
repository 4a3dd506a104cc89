"""The participant's diary pages: the day on one screen, steroid doses, check-ins, urgent advice, trends."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from companion.auth.access import participant_required
from companion.auth.guards import own_record
from companion.db import db, now_utc
from companion.diary.forms import CheckInForm, DayForm, DoseForm, VoidForm
from companion.domain import diary_rules, phq, steroid_table
from companion.forms import field_errors
from companion.models import SteroidDose
from companion.services import audit, checkins, diary, schedules, steroids, trends
from companion.services.errors import ValidationFailed

blueprint = Blueprint("diary", __name__, url_prefix="/my")


def _me():
    return current_user.user


def _actor() -> audit.Actor:
    return audit.Actor("participant", _me().id, _me().site_id)


def _today() -> date:
    return schedules.local_today(_me().timezone, now_utc())


def _late_days() -> int:
    return current_app.config["DIARY_LATE_DAYS"]


def _day_from_query(today: date) -> date:
    raw = request.args.get("day")
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400)
    if diary_rules.day_status(day, today, _late_days()) in ("future", "too_old"):
        abort(400)
    return day


def _after_save(saved, done_endpoint: str, **values):
    if saved.urgent:
        return redirect(url_for("diary.urgent"))
    if saved.findings:
        flash(_("Saved. The study team will look at what you reported."))
    else:
        flash(_("Saved. Thank you."))
    return redirect(url_for(done_endpoint, **values))


def _keep_draft(day: date, form: DoseForm) -> None:
    """The steroid buttons post the whole diary form: keep what was tapped, so nothing is lost."""
    session["diary_draft"] = {"day": day.isoformat(), "values": form.draft()}


def _take_draft(day: date) -> MultiDict | None:
    draft = session.pop("diary_draft", None)
    if not draft or draft.get("day") != day.isoformat():
        return None
    values = dict(draft["values"])
    symptoms = values.pop("symptoms", [])
    return MultiDict([*values.items(), *(("symptoms", s) for s in symptoms)])


def _diary_page(day: date, *, errors=None, values=None, dose_errors=None, status: int = 200):
    errors, dose_errors = field_errors(errors or {}), field_errors(dose_errors or {})
    me, today = _me(), _today()
    entry = diary.entry_for(db.session, me, day)
    return render_template(
        "diary/day.html", day=day, today=today, entry=entry, errors=errors or {}, values=values,
        day_arg=None if day == today else day.isoformat(),
        yesterday_doses=bool(steroids.doses_on(db.session, me, today - timedelta(days=1))),
        dose_errors=dose_errors or {}, doses=steroids.doses_on(db.session, me, day),
        equivalent=steroids.daily_equivalent(db.session, me, day), symptoms=diary_rules.SYMPTOMS,
        drugs=steroid_table.DRUGS.values(), late_days=_late_days(),
        earlier_days=[today - timedelta(days=n) for n in range(1, _late_days() + 1)],
    ), status


@blueprint.route("/diary", methods=["GET", "POST"])
@participant_required
def day():
    today = _today()
    day = _day_from_query(today)
    if request.method == "GET":
        return _diary_page(day, values=_take_draft(day))
    form = DayForm.from_form()
    dose = form.typed_dose(day)
    if dose is not None:  # a dose typed in but "Save" pressed instead of "Add dose": save it too
        try:
            steroids.check(dose, today, _late_days())
        except ValidationFailed as exc:
            return _diary_page(day, dose_errors=exc.errors, values=form.formdata, status=400)
    try:
        saved = diary.save_day(db.session, _me(), form.diary_input(day), actor=_actor(), today=today, now=now_utc(),
                               late_days=_late_days())
    except ValidationFailed as exc:
        return _diary_page(day, errors=exc.errors, values=form.formdata, status=400)
    if dose is not None:
        steroids.add(db.session, _me(), dose, actor=_actor(), today=today, now=now_utc(), late_days=_late_days())
    return _after_save(saved, "diary.day", day=None if day == today else day.isoformat())


@blueprint.route("/steroids", methods=["POST"])
@participant_required
def add_dose():
    today = _today()
    day = _day_from_query(today)
    form = DoseForm.from_form()
    try:
        saved = steroids.add(db.session, _me(), form.dose_input(day), actor=_actor(), today=today, now=now_utc(),
                             late_days=_late_days())
    except ValidationFailed as exc:
        return _diary_page(day, dose_errors=exc.errors, values=form.formdata, status=400)
    _keep_draft(day, form)
    return _after_save(saved, "diary.day", day=None if day == today else day.isoformat())


@blueprint.route("/steroids/same-as-yesterday", methods=["POST"])
@participant_required
def same_as_yesterday():
    form = DoseForm.from_form()  # no fields of its own: the day's form as it was tapped, kept as a draft
    try:
        steroids.same_as_yesterday(db.session, _me(), actor=_actor(), today=_today(), now=now_utc(),
                                   late_days=_late_days())
    except ValidationFailed as exc:
        return _diary_page(_today(), dose_errors=exc.errors, values=form.formdata, status=400)
    _keep_draft(_today(), form)
    flash(_("Yesterday's doses were copied to today."))
    return redirect(url_for("diary.day"))


@blueprint.route("/steroids/<int:record_id>/void", methods=["POST"])
@participant_required
@own_record(SteroidDose)
def void_dose(record: SteroidDose):
    form = VoidForm.from_form()
    try:
        row = steroids.void(db.session, _me(), record.record_id, form.reason or _("Entered by mistake"),
                            actor=_actor(), now=now_utc())
    except ValidationFailed:
        abort(404)
    _keep_draft(row.local_date, form)
    flash(_("The dose was removed. It stays in your record as removed."))
    return redirect(url_for("diary.day", day=None if row.local_date == _today() else row.local_date.isoformat()))


def _check_in_page(kind: str, *, errors=None, status: int = 200):
    questions, top = checkins._items(kind)
    recent = checkins.recent_infusion(db.session, _me(), _today()) if kind == "post_infusion" else None
    options = diary_rules.SEVERITY if kind == "post_infusion" else phq.ANSWERS
    return render_template("diary/check_in.html", kind=kind, questions=questions, options=options, top=top,
                           recent=recent, errors=field_errors(errors or {}), stem=(phq.STEM_EN, phq.STEM_ZH)), status


def _save_check_in(kind: str):
    questions, _top = checkins._items(kind)
    answers = CheckInForm.from_form().answers(q.key for q in questions)
    raw = checkins.CheckInInput(kind=kind, answers=answers, local_date=_today())
    try:
        return checkins.save(db.session, _me(), raw, actor=_actor(), today=_today(), now=now_utc(),
                             late_days=_late_days())
    except ValidationFailed as exc:
        return exc


@blueprint.route("/check-in/reaction", methods=["GET", "POST"])
@participant_required
def reaction():
    if request.method == "GET":
        return _check_in_page("post_infusion")
    result = _save_check_in("post_infusion")
    if isinstance(result, ValidationFailed):
        return _check_in_page("post_infusion", errors=result.errors, status=400)
    return _after_save(result, "participant.home")


@blueprint.route("/check-in/mood", methods=["GET", "POST"])
@participant_required
def mood():
    if request.method == "GET":
        return _check_in_page("phq2")
    result = _save_check_in("phq2")
    if isinstance(result, ValidationFailed):
        return _check_in_page("phq2", errors=result.errors, status=400)
    if phq.phq2_opens_phq9(result.record.total):
        return redirect(url_for("diary.mood_more"))
    return _after_save(result, "participant.home")


@blueprint.route("/check-in/mood/more", methods=["GET", "POST"])
@participant_required
def mood_more():
    if request.method == "GET":
        return _check_in_page("phq9")
    result = _save_check_in("phq9")
    if isinstance(result, ValidationFailed):
        return _check_in_page("phq9", errors=result.errors, status=400)
    return _after_save(result, "participant.home")


@blueprint.route("/urgent")
@participant_required
def urgent():
    return render_template("diary/urgent.html", site=_me().site)


@blueprint.route("/trends")
@participant_required
def trend_page():
    charts = trends.for_participant(db.session, _me(), today=_today())
    return render_template("diary/trends.html", charts=charts)
