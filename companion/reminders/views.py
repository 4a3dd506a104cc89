"""The participant's SMS settings (/my/reminders) and a participant's messages for coordinators.

Thin views: parse the form, call the reminder services (which audit and re-plan), then redirect.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from companion.auth.access import participant_required, roles_required
from companion.auth.guards import site_participant
from companion.db import db, now_utc
from companion.domain import reminder_plan
from companion.forms import errors_onto
from companion.models import InboundMessage, Participant
from companion.reminders.forms import PreferencesForm, StaffPreferencesForm
from companion.services import audit, reminders
from companion.services.errors import ValidationFailed

blueprint = Blueprint("reminders", __name__)


def _fill(form: PreferencesForm, participant: Participant) -> None:
    prefs = reminders.preferences_for(db.session, participant)
    form.sms.data = "on" if participant.sms_consent and prefs.opted_out_at is None else "off"
    form.language.data = participant.language
    for name in ("reminder_time", "morning_time", "quiet_start", "quiet_end"):
        getattr(form, name).data = getattr(prefs, name)
    form.diary_nudge.data = prefs.diary_nudge_time is not None
    form.diary_nudge_time.data = prefs.diary_nudge_time or reminder_plan.DEFAULT_DIARY_NUDGE_TIME
    if isinstance(form, StaffPreferencesForm):
        form.timezone.data = participant.timezone


def _raw(form: PreferencesForm) -> dict:
    raw = {name: getattr(form, name).data for name in ("reminder_time", "morning_time", "quiet_start", "quiet_end")}
    raw["diary_nudge_time"] = form.diary_nudge_time.data if form.diary_nudge.data else ""
    if form.diary_nudge.data and form.diary_nudge_time.data is None:
        raw["diary_nudge_time"] = "?"  # checked without a time: the service names the field
    raw["language"] = form.language.data
    if isinstance(form, StaffPreferencesForm):
        raw["timezone"] = form.timezone.data
    return raw


def _save(form: PreferencesForm, participant: Participant, actor: audit.Actor, reason: str | None) -> bool:
    """Apply the form through the services; False (with errors on the form) when something is invalid."""
    now = now_utc()
    version = current_app.config["SMS_CONSENT_VERSION"]
    try:
        # the preferences first: they hold every check, so nothing is saved unless all of the form is valid
        reminders.change_preferences(db.session, participant, _raw(form), actor=actor, now=now, reason=reason)
        if isinstance(form, StaffPreferencesForm) and form.number_checked.data:
            reminders.clear_number_problem(db.session, participant, actor=actor, reason=reason, now=now)
        reminders.set_consent(db.session, participant, form.sms.data == "on", actor=actor, version=version, now=now,
                              reason=reason)
    except ValidationFailed as exc:
        db.session.rollback()
        errors_onto(form, exc)
        return False
    return True


@blueprint.route("/my/reminders", methods=["GET", "POST"])
@participant_required
def preferences():
    participant = current_user.user
    form = PreferencesForm()
    if form.validate_on_submit():
        actor = audit.Actor("participant", participant.id, participant.site_id)
        if _save(form, participant, actor, "changed by the participant"):
            flash(_("Your reminder settings are saved."))
            return redirect(url_for("reminders.preferences"))
    elif not form.is_submitted():
        _fill(form, participant)
    prefs = reminders.preferences_for(db.session, participant)
    return render_template("reminders/preferences.html", form=form, participant=participant, prefs=prefs,
                           consent_version=current_app.config["SMS_CONSENT_VERSION"]), 400 if form.errors else 200


def _messages_page(participant: Participant, form: StaffPreferencesForm, status: int = 200):
    zone = ZoneInfo(participant.site.timezone)
    rows = reminders.messages_of(db.session, participant)
    replies = db.session.scalars(select(InboundMessage).where(InboundMessage.participant_id == participant.id)
                                 .order_by(InboundMessage.received_at.desc())).all()
    visits = {v.id: v for v in participant.visits}
    return render_template("reminders/messages.html", participant=participant, form=form, rows=rows,
                           replies=replies, visits=visits, zone=zone,
                           prefs=reminders.preferences_for(db.session, participant),
                           consent_version=current_app.config["SMS_CONSENT_VERSION"]), status


@blueprint.route("/coordinator/participants/<int:participant_id>/messages", methods=["GET", "POST"])
@roles_required("coordinator", "investigator")
@site_participant
def messages(participant: Participant):
    if request.method == "POST" and current_user.user.role != "coordinator":
        abort(403)  # investigators read; only coordinators change consent and settings
    form = StaffPreferencesForm()
    if form.validate_on_submit():
        actor = audit.Actor("staff", current_user.user.id, current_user.user.site_id)
        if _save(form, participant, actor, form.reason.data):
            flash(_("Reminder settings of %(study_id)s saved.", study_id=participant.study_id))
            return redirect(url_for("reminders.messages", participant_id=participant.id))
        return _messages_page(participant, form, 400)
    if form.is_submitted():
        return _messages_page(participant, form, 400)
    _fill(form, participant)
    return _messages_page(participant, form)
