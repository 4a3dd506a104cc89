"""The coordinator workspace: assessments with LLDAS, alert acknowledgement, diary review and sign-off,
the endpoint report. Every record is looked up within the user's own site (else 404)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from companion.auth.access import roles_required
from companion.auth.guards import participant_visit, site_alert, site_participant
from companion.db import db, now_utc
from companion.domain import lldas, sledai
from companion.forms import field_errors, submitted
from companion.models import Alert, Participant, Visit
from companion.services import alerts as alert_service
from companion.services import assessments, audit, endpoint, review, schedules, trends
from companion.services.errors import ValidationFailed
from companion.workspace.forms import AcknowledgeForm, AssessmentForm, SignOffForm

blueprint = Blueprint("workspace", __name__, url_prefix="/coordinator")
READERS = ("coordinator", "investigator")


def _actor() -> audit.Actor:
    return audit.Actor("staff", current_user.user.id, current_user.user.site_id)


def _site_today() -> date:
    return schedules.local_today(current_user.user.site.timezone, now_utc())


def _assessment_page(participant, visit, *, errors=None, status=200):
    current = assessments.current_for_visit(db.session, visit)
    return render_template(
        "workspace/assessment.html", participant=participant, visit=visit, current=current,
        errors=field_errors(errors or {}),
        descriptors=sledai.DESCRIPTORS, variants=sledai.VARIANTS, immunosuppressants=lldas.IMMUNOSUPPRESSANTS,
        settings=current_app.extensions["protocol"].lldas, values=submitted(),
        diary_mg=review.diary_equivalent(db.session, participant, visit.actual_date or _site_today()),
        today=_site_today(),
    ), status


@blueprint.route("/participants/<int:participant_id>/visits/<int:visit_id>/assessment", methods=["GET", "POST"])
@roles_required(*READERS)
@site_participant
@participant_visit
def assessment(participant: Participant, visit: Visit):
    if request.method == "GET":
        return _assessment_page(participant, visit)
    if current_user.user.role != "coordinator":
        abort(403)
    raw = AssessmentForm.from_form().to_input()
    try:
        saved = assessments.save(db.session, participant, visit, raw, actor=_actor(), now=now_utc(),
                                 today=_site_today(), settings=current_app.extensions["protocol"].lldas)
    except ValidationFailed as exc:
        return _assessment_page(participant, visit, errors=exc.errors, status=400)
    flash(_("Assessment saved: in LLDAS.") if saved.in_lldas else _("Assessment saved: not in LLDAS."))
    return redirect(url_for("workspace.assessment", participant_id=participant.id, visit_id=visit.id))


@blueprint.route("/alerts/<int:alert_id>/acknowledge", methods=["POST"])
@roles_required("coordinator")
@site_alert
def acknowledge(alert: Alert):
    form = AcknowledgeForm.from_form()
    try:
        alert_service.acknowledge(db.session, alert, note=form.note or "", actor=_actor(),
                                  now=now_utc())
    except ValidationFailed as exc:
        flash(str(next(iter(exc.errors.values()))), "error")
        return redirect(url_for("coordinator.alerts")), 303
    flash(_("Alert acknowledged."))
    if form.back == "participant":
        return redirect(url_for("workspace.diary", participant_id=alert.participant_id))
    return redirect(url_for("coordinator.alerts"))


@blueprint.route("/participants/<int:participant_id>/diary")
@roles_required(*READERS)
@site_participant
def diary(participant: Participant):
    today = schedules.local_today(participant.timezone, now_utc())
    weeks = review.weeks(db.session, participant, today=today, count=request.args.get("weeks", 4, type=int) or 4)
    return render_template(
        "workspace/diary.html", participant=participant, weeks=weeks, zone=current_user.user.site.timezone,
        charts=trends.for_participant(db.session, participant, today=today),
        alerts=review.alerts_of(db.session, participant),
    )


@blueprint.route("/participants/<int:participant_id>/weeks/<week_start>/sign-off", methods=["POST"])
@roles_required(*READERS)
@site_participant
def sign_off(participant: Participant, week_start: str):
    form = SignOffForm.from_form()
    try:
        start = date.fromisoformat(week_start)
    except ValueError:
        abort(404)
    try:
        review.sign_off(db.session, participant, start, note=form.note, actor=_actor(),
                        now=now_utc(), today=schedules.local_today(participant.timezone, now_utc()))
    except ValidationFailed as exc:
        flash(str(next(iter(exc.errors.values()))), "error")
        return redirect(url_for("workspace.diary", participant_id=participant.id)), 303
    flash(_("Week signed off."))
    return redirect(url_for("workspace.diary", participant_id=participant.id))


@blueprint.route("/endpoint")
@roles_required(*READERS)
def endpoint_report():
    report = endpoint.report(db.session, current_user.user.site_id, today=_site_today())
    return render_template("workspace/endpoint.html", report=report, next_week=timedelta(days=7))
