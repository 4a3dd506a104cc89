"""The versioned JSON API under /api/v1, for the participant's own data (the offline diary uses it).

Authentication is the same server-side session as the pages; state-changing calls will need the
CSRF token in an ``X-CSRFToken`` header.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint

from companion.api.schemas import ScheduleSchema
from companion.auth.access import participant_api
from companion.db import now_utc
from companion.services import schedules

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1", description="The participant's own records")


def _visit(row: schedules.ScheduleRow, language: str, site_timezone: str) -> dict:
    status = row.status
    return {
        "number": row.visit.number, "key": row.visit.key, "label": row.label(language),
        "study_day": row.visit.study_day, "week": row.visit.week, "target_date": row.visit.target_date,
        "window_start": row.visit.window_start, "window_end": row.visit.window_end,
        "scheduled_date": status.scheduled_date, "starts_at": row.starts_at(site_timezone),
        "actual_date": status.actual_date, "infusion": row.visit.infusion, "endpoint": row.visit.endpoint,
        "state": status.state, "days_to_go": status.days_to_go,
    }


@blueprint.route("/schedule")
@blueprint.response(200, ScheduleSchema)
@blueprint.alt_response(401, description="Not signed in as a participant")
@participant_api
def schedule():
    """The signed-in participant's visits, next visit first in ``next_visit``."""
    participant = current_user.user
    today = schedules.local_today(participant.timezone, now_utc())
    plan = schedules.for_participant(participant, current_app.extensions["protocol"], today)
    zone = participant.site.timezone
    return {
        "study_id": participant.study_id, "day1": participant.day1, "study_week": plan.week,
        "timezone": participant.timezone, "location": participant.site.address,
        "next_visit": _visit(plan.next, participant.language, zone) if plan.next else None,
        "visits": [_visit(r, participant.language, zone) for r in plan.rows],
    }
