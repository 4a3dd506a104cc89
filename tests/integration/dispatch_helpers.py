"""Shared set-up of the dispatcher tests: dates of a participant enrolled on 2 March 2026 in Beijing,
and small helpers. The ``person`` fixture stays in each test module."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from companion.models import Reminder
from companion.services import dispatch

BEIJING = ZoneInfo("Asia/Shanghai")
DAY1 = date(2026, 3, 2)  # visit 2 (day 15) on Mon 16 March at 08:30, visit 3 (day 29) on Mon 30 March
ENROLLED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing on day 1


def beijing(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


D2 = beijing(3, 14, 19)  # two days before visit 2
D1 = beijing(3, 15, 19)
D0 = beijing(3, 16, 8)  # 07:30 moved out of quiet hours
VISIT2 = beijing(3, 16, 8, 30)


def rows(session, participant) -> dict[str, Reminder]:
    session.expire_all()
    return {r.key: r for r in session.scalars(select(Reminder).where(Reminder.participant_id == participant.id))}


def visit2_keys(participant, when: str = "20260316") -> list[str]:
    key = participant.visits[1].key
    return [f"v:{key}:{when}:d2", f"v:{key}:{when}:d1", f"v:{key}:{when}:d0"]


def run(session, sender, now, **policy):
    return dispatch.dispatch_due(session, sender, now=now, policy=dispatch.DispatchPolicy(**policy))
