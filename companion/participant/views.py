"""The participant's own pages: the schedule (next visit first) and the calendar file."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from companion.auth.access import participant_required
from companion.db import now_utc
from companion.services import calendar, schedules

blueprint = Blueprint("participant", __name__, url_prefix="/my")


def _my_schedule() -> schedules.ParticipantSchedule:
    participant = current_user.user
    today = schedules.local_today(participant.timezone, now_utc())
    return schedules.for_participant(participant, current_app.extensions["protocol"], today)


@blueprint.route("/")
@participant_required
def home():
    schedule = _my_schedule()
    return render_template("participant/home.html", schedule=schedule, participant=current_user.user,
                           site=current_user.user.site)


@blueprint.route("/calendar.ics")
@participant_required
def calendar_file():
    participant = current_user.user
    body = calendar.build_ics(
        _my_schedule(), site_timezone=participant.site.timezone, location=participant.site.address,
        duration_minutes=current_app.extensions["protocol"].visit_duration_minutes, now=now_utc(),
    )
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="visits.ics"'})
