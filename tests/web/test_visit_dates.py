"""A visit's date: the day it took place, else the day it is scheduled for (moved, else target); one home,
``Visit.effective_date``, used by the services and the participant's visit list (issue 9, point 5)."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date

from companion.db import now_utc
from companion.models import Visit
from companion.services.schedules import local_today
from tests import factories

TARGET, MOVED, TOOK_PLACE = date(2026, 3, 15), date(2026, 3, 17), date(2026, 3, 18)


def test_effective_date_is_the_day_it_took_place_else_the_scheduled_day():
    assert Visit(target_date=TARGET).effective_date == TARGET
    assert Visit(target_date=TARGET, planned_date=MOVED).effective_date == MOVED
    assert Visit(target_date=TARGET, planned_date=MOVED, actual_date=TOOK_PLACE).effective_date == TOOK_PLACE
    assert Visit(target_date=TARGET, actual_date=TOOK_PLACE).effective_date == TOOK_PLACE


def test_the_visit_list_shows_each_visits_effective_date(client, db_session, site, signin_participant):
    day1 = local_today("Asia/Shanghai", now_utc()) - timedelta(days=20)
    participant = factories.participant(db_session, site, day1=day1, language="en")
    first, second, third = sorted(participant.visits, key=lambda v: v.number)[:3]
    first.actual_date = day1 + timedelta(days=2)      # took place 2 days after its target
    second.planned_date = day1 + timedelta(days=16)   # moved, not yet recorded as done
    db_session.commit()
    signin_participant(client, participant)
    page = client.get("/my/").get_data(as_text=True)
    listed = page[page.index("All visits"):]
    shown = [format_date(d, "medium", locale="en") for d in (first.actual_date, second.planned_date, third.target_date)]
    assert all(text in listed for text in shown)
    assert listed.index(shown[0]) < listed.index(shown[1]) < listed.index(shown[2])
    assert format_date(day1, "medium", locale="en") not in listed  # the first visit's target is not shown
