"""The participant's own trends: prednisone equivalent per day with the 7.5 mg line, fatigue and joint
pain, and days logged this week (issue 3, item 7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from companion.charts import Chart, line_chart
from companion.domain import steroid_table
from companion.models import DiaryEntry, Participant, SteroidDose
from companion.services import records
from companion.templating import string_number

DAYS = 28


@dataclass(frozen=True, slots=True)
class Trends:
    steroid: Chart
    fatigue: Chart
    pain: Chart
    logged_this_week: int
    week_days: int


def for_participant(session: Session, participant: Participant, *, today: date) -> Trends:
    start = today - timedelta(days=DAYS - 1)
    days = [start + timedelta(days=n) for n in range(DAYS)]
    entries = {e.local_date: e for e in records.current_versions(session, DiaryEntry, participant.id, start, today)
               if not e.voided}
    doses: dict[date, list] = {}
    for dose in records.current_versions(session, SteroidDose, participant.id, start, today):
        if not dose.voided:
            doses.setdefault(dose.local_date, []).append((dose.drug, dose.dose_mg))
    equivalents = [steroid_table.daily_equivalent(doses[d]) if d in doses else None for d in days]
    top = max([float(v) for v in equivalents if v is not None] + [10.0])
    logged = [v for v in equivalents if v is not None]
    steroid_summary = _("No steroid doses logged in the last 4 weeks.") if not logged else _(
        "Prednisone equivalent per day over the last 4 weeks: latest %(latest)s mg, highest %(high)s mg; "
        "days above the 7.5 mg line: %(above)s.",
        latest=string_number(logged[-1]), high=string_number(max(logged)),
        above=sum(1 for v in logged if v > steroid_table.LLDAS_MAX_MG))
    steroid = line_chart(_("Steroid dose (prednisone equivalent, mg/day)"), steroid_summary, days, equivalents,
                         y_max=float(5 * (int(top * 1.1) // 5 + 1)), line=(7.5, _("7.5 mg/day")), tick_step=5)
    fatigue = _score_chart(_("Fatigue (0-10)"), days, [entries[d].fatigue if d in entries else None for d in days])
    pain = _score_chart(_("Joint pain (0-10)"), days, [entries[d].joint_pain if d in entries else None for d in days])
    week_start = today - timedelta(days=today.weekday())
    logged_week = sum(1 for d in entries if d >= week_start)
    return Trends(steroid, fatigue, pain, logged_this_week=logged_week, week_days=(today - week_start).days + 1)


def _score_chart(title: str, days: list[date], values: list[int | None]) -> Chart:
    known = [v for v in values if v is not None]
    if not known:
        summary = _("Nothing logged in the last 4 weeks.")
    else:
        summary = _("Over the last 4 weeks: latest %(latest)s, average %(avg)s, highest %(high)s (of 10).",
                    latest=known[-1], avg=round(Decimal(sum(known)) / len(known), 1), high=max(known))
    return line_chart(title, summary, days, values, y_max=10, tick_step=5)
