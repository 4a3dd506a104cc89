"""The running of the app itself: the scheduler's heartbeat. No personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.db import Base, UTCDateTime


class SchedulerHeartbeat(Base):
    """One row per scheduler name (the ``flask scheduler`` process, or ``dispatch-once`` run by cron),
    overwritten at each beat; judged by companion.domain.heartbeat_rules."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: the latest beat (UTC)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the process that wrote the latest beat started (UTC)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the host name and process id of that process, for whoever has to find it
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
