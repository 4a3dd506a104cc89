"""Coordinator pages: participants of the coordinator's own site, enrolment, visit dates."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from companion.auth.access import roles_required
from companion.auth.guards import site_participant
from companion.coordinator.forms import EndSessionsForm, EnrolForm, VisitDateForm
from companion.db import db, now_utc
from companion.forms import errors_onto
from companion.models import Participant
from companion.services import alerts as alert_service
from companion.services import audit, enrolment, heartbeat, schedules, sessions, visits, withdrawal
from companion.services import dashboard as dashboard_service
from companion.services.errors import ValidationFailed

blueprint = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def _actor() -> audit.Actor:
    return audit.Actor("staff", current_user.user.id, current_user.user.site_id)


def _site_today():
    return schedules.local_today(current_user.user.site.timezone, now_utc())


def _show_errors(form, exc: ValidationFailed) -> None:
    errors_onto(form, exc, aliases={"phone_e164": "phone"})


@blueprint.route("/")
@roles_required("coordinator", "investigator")
def dashboard():
    protocol = current_app.extensions["protocol"]
    rows = dashboard_service.build(db.session, current_user.user.site_id, protocol, _site_today())
    sort = request.args.get("sort", "alerts")
    tier = request.args.get("tier") or None
    query = request.args.get("q", "")[:32]
    rows = dashboard_service.arrange(rows, sort=sort, tier=tier, query=query)
    return render_template("coordinator/dashboard.html", rows=rows, protocol=protocol, sort=sort, tier=tier,
                           query=query, sorts=dashboard_service.SORTS,
                           reminders=heartbeat.scheduler_status(db.session, now=now_utc()),
                           zone=current_user.user.site.timezone)


@blueprint.route("/participants/new", methods=["GET", "POST"])
@roles_required("coordinator")
def enrol():
    form = EnrolForm()
    site = current_user.user.site
    if not form.is_submitted():
        form.timezone.data = site.timezone
    if form.validate_on_submit():
        raw = enrolment.Enrolment(
            study_id=form.study_id.data, phone=form.phone.data, day1=form.day1.data,
            weight_kg=str(form.weight_kg.data), language=form.language.data,
            timezone=form.timezone.data or site.timezone, sms_consent=form.sms_consent.data,
        )
        try:
            participant = enrolment.enrol(
                db.session, raw, site=site, protocol=current_app.extensions["protocol"], actor=_actor(),
                now=now_utc(), today=_site_today(), consent_version=current_app.config["SMS_CONSENT_VERSION"],
            )
        except ValidationFailed as exc:
            _show_errors(form, exc)
        else:
            flash(_("Participant %(study_id)s enrolled.", study_id=participant.study_id))
            return redirect(url_for("coordinator.participant", participant_id=participant.id))
    status = 400 if form.is_submitted() else 200
    return render_template("coordinator/enrol.html", form=form, site=site,
                           consent_version=current_app.config["SMS_CONSENT_VERSION"]), status


def _visit_form(record: Participant, formdata=None) -> VisitDateForm:
    form = VisitDateForm(formdata=formdata) if formdata is not None else VisitDateForm()
    form.visit_id.choices = [
        SelectChoice(v.id, _("Visit %(n)s, week %(week)s (%(date)s)", n=v.number, week=v.week, date=v.target_date))
        for v in record.visits
    ]
    return form


def _participant_page(record: Participant, *, visit_form=None, end_form=None, status: int = 200):
    schedule = schedules.for_participant(record, current_app.extensions["protocol"], _site_today())
    return render_template(
        "coordinator/participant.html", schedule=schedule, participant=record,
        visit_form=visit_form or _visit_form(record), end_form=end_form or EndSessionsForm(),
        protocol=current_app.extensions["protocol"],
    ), status


@blueprint.route("/participants/<int:participant_id>")
@roles_required("coordinator", "investigator")
@site_participant
def participant(participant: Participant):
    return _participant_page(participant)


@blueprint.route("/participants/<int:participant_id>/visits", methods=["POST"])
@roles_required("coordinator")
@site_participant
def visit_date(participant: Participant):
    form = _visit_form(participant)
    if form.validate_on_submit():
        visit = next(v for v in participant.visits if v.id == form.visit_id.data)  # choices hold only this record's
        change = visits.record_actual if form.action.data == "record" else visits.move
        try:
            change(db.session, visit, form.date.data, form.reason.data, actor=_actor(), now=now_utc(),
                   today=_site_today())
        except ValidationFailed as exc:
            _show_errors(form, exc)
        else:
            flash(_("Visit updated."))
            return redirect(url_for("coordinator.participant", participant_id=participant.id))
    return _participant_page(participant, visit_form=form, status=400)


@blueprint.route("/participants/<int:participant_id>/end-sessions", methods=["POST"])
@roles_required("coordinator")
@site_participant
def end_sessions(participant: Participant):
    form = EndSessionsForm()
    if form.validate_on_submit():
        try:
            count = sessions.end_all_for_participant(db.session, participant, actor=_actor(),
                                                     reason=form.reason.data, now=now_utc())
        except ValidationFailed as exc:
            _show_errors(form, exc)
        else:
            flash(_("%(n)s session(s) ended. The participant must sign in again.", n=count))
            return redirect(url_for("coordinator.participant", participant_id=participant.id))
    return _participant_page(participant, end_form=form, status=400)


@blueprint.route("/alerts")
@roles_required("coordinator", "investigator")
def alerts():
    """Open alerts of the site, RED first (acknowledging them comes with the coordinator workspace)."""
    rows = alert_service.open_alerts(db.session, current_user.user.site_id)
    study_ids = dict(db.session.execute(
        select(Participant.id, Participant.study_id).where(Participant.site_id == current_user.user.site_id)).all())
    return render_template("coordinator/alerts.html", alerts=rows, study_ids=study_ids,
                           zone=current_user.user.site.timezone)


@blueprint.route("/participants/<int:participant_id>/withdraw", methods=["POST"])
@roles_required("coordinator")
@site_participant
def withdraw(participant: Participant):
    form = EndSessionsForm()  # the same single "reason" field
    if form.validate_on_submit():
        try:
            withdrawal.withdraw(db.session, participant, reason=form.reason.data, actor=_actor(), now=now_utc())
        except ValidationFailed as exc:
            flash(str(next(iter(exc.errors.values()))), "error")
        else:
            flash(_("%(study_id)s is withdrawn: signed out, reminders cancelled, record kept.",
                    study_id=participant.study_id))
            return redirect(url_for("coordinator.participant", participant_id=participant.id))
    return _participant_page(participant, status=400)
