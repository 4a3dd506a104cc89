"""The scheduler's heartbeat: written by the scheduler process (and by ``dispatch-once`` for cron users),
read by ``GET /healthz`` and by the "reminders are not running" banner (issue 8, point 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.domain.heartbeat_rules import OK, scheduler_state
from companion.models import SchedulerHeartbeat

#: the heartbeat of the ``flask scheduler`` process
SCHEDULER = "scheduler"
#: the heartbeat of ``flask dispatch-once`` (the cron alternative to the scheduler, README "SMS reminders")
DISPATCH_ONCE = "dispatch-once"


@dataclass(frozen=True)
class SchedulerStatus:
    state: str  # "ok", "stale" or "never" (companion.domain.heartbeat_rules)
    last_beat: datetime | None

    @property
    def running(self) -> bool:
        return self.state == OK


def record_beat(session: Session, *, name: str, now: datetime, host: str, pid: int, start: bool = False) -> None:
    """Record a beat of scheduler ``name`` in its own short transaction (committed here). ``start`` marks
    the first beat of a process, which also resets ``started_at``."""
    row = session.get(SchedulerHeartbeat, name)
    if row is None:
        row = SchedulerHeartbeat(name=name, started_at=now)
        session.add(row)
    elif start:
        row.started_at = now
    row.beat_at, row.host, row.pid = now, host[:255], pid
    session.flush()


def last_beat(session: Session) -> datetime | None:
    """The freshest beat of any scheduler, or None if none ever ran."""
    return session.scalar(select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1))


def scheduler_status(session: Session, *, now: datetime) -> SchedulerStatus:
    beat = last_beat(session)
    return SchedulerStatus(scheduler_state(beat, now), beat)
