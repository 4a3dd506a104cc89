"""The scheduler's heartbeat is fresh for less than 3 minutes (issue 8, point 4; companion.domain.heartbeat_rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.domain.heartbeat_rules import BEAT_EVERY, NEVER, OK, STALE, STALE_AFTER, scheduler_state

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_limits_are_three_minutes_and_several_beats():
    assert STALE_AFTER == timedelta(minutes=3)
    assert STALE_AFTER >= 4 * BEAT_EVERY  # one slow or missed beat is no alarm


@pytest.mark.parametrize(("age", "state"), [
    (timedelta(0), OK),
    (timedelta(seconds=30), OK),
    (timedelta(minutes=2, seconds=59), OK),
    (timedelta(minutes=3), STALE),
    (timedelta(hours=5), STALE),
    (-timedelta(seconds=20), OK),  # the scheduler's host clock runs a little ahead
])
def test_freshness(age, state):
    assert scheduler_state(NOW - age, NOW) == state


def test_no_beat_means_never():
    assert scheduler_state(None, NOW) == NEVER


def test_zones_do_not_matter():
    from zoneinfo import ZoneInfo

    beat = (NOW - timedelta(minutes=1)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert scheduler_state(beat, NOW.astimezone(ZoneInfo("America/Los_Angeles"))) == OK
