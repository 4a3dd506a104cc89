"""The participant's own pages: the schedule (next visit first) and the calendar file."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from companion.auth.access import participant_required
from companion.db import db, now_utc
from companion.domain import phq
from companion.services import calendar, checkins, diary, schedules

blueprint = Blueprint("participant", __name__, url_prefix="/my")


def _my_schedule() -> schedules.ParticipantSchedule:
    participant = current_user.user
    today = schedules.local_today(participant.timezone, now_utc())
    return schedules.for_participant(participant, current_app.extensions["protocol"], today)


@blueprint.route("/")
@participant_required
def home():
    schedule = _my_schedule()
    me = current_user.user
    today = schedules.local_today(me.timezone, now_utc())
    last_phq2 = checkins.last_of_kind(db.session, me, "phq2")
    last_phq9 = checkins.last_of_kind(db.session, me, "phq9")
    infusions = [v.effective_date for v in me.visits if v.infusion]
    return render_template(
        "participant/home.html", schedule=schedule, participant=me, site=me.site,
        logged_today=diary.entry_for(db.session, me, today) is not None,
        reaction_due=checkins.recent_infusion(db.session, me, today) is not None,
        mood_due=phq.phq2_due(last_phq2.local_date if last_phq2 else None, today),
        phq9_due=phq.phq9_due_at_infusion(infusions, last_phq9.local_date if last_phq9 else None, today) is not None,
    )


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
