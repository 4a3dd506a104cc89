"""Is the reminder scheduler alive? Its heartbeat, judged against ``now``.

The one scheduler process (RELIABILITY-SECURITY.md, "Scheduler and reminders") writes a heartbeat when it
starts and every ``BEAT_EVERY`` after that (companion/scheduler.py). ``GET /healthz`` and the banner on the
coordinator dashboard and the administration page use ``scheduler_state`` (issue 8, point 4).

Nothing here reads the clock: ``now`` and the beat are aware instants.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: How often the scheduler records a beat (its ``scheduler-heartbeat`` job).
BEAT_EVERY = timedelta(seconds=30)

#: A scheduler whose freshest beat is this old or older is not running (issue 8: "heartbeat fresher than
#: 3 minutes"). Six missed beats in a row: long enough that a slow database or a restart by systemd
#: (RestartSec=10) does not raise the alarm, short enough that a visit-morning reminder (sent every minute
#: by the dispatcher) is not silently missed for long.
STALE_AFTER = timedelta(minutes=3)

OK = "ok"
STALE = "stale"
NEVER = "never"


def scheduler_state(last_beat: datetime | None, now: datetime) -> str:
    """``"never"`` without a beat, ``"stale"`` when the freshest one is ``STALE_AFTER`` old or older, else
    ``"ok"``. A beat slightly in the future (clocks of two hosts disagree) counts as fresh."""
    if last_beat is None:
        return NEVER
    if now - last_beat >= STALE_AFTER:
        return STALE
    return OK
