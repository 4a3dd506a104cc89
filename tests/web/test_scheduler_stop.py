"""How the scheduler process stops (companion/scheduler.py ``run``): on SIGTERM or when its one-scheduler lock
is lost, the passes in progress finish before ``run`` returns (and so before the caller releases the lock),
and a lock once lost stays lost even if its connection could be opened again."""

from __future__ import annotations

import os
import signal
import threading
import time as clock

import pytest

from companion import scheduler
from companion.scheduler_lock import SchedulerLock


@pytest.fixture
def restore_sigterm():
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


class SlowPass:
    """A job that takes a while, and says when it started and when it finished."""

    def __init__(self, on_start=None):
        self.started, self.finished, self.on_start = threading.Event(), threading.Event(), on_start

    def __call__(self) -> None:
        if self.started.is_set():
            return
        self.started.set()
        if self.on_start is not None:
            self.on_start()
        clock.sleep(1.5)
        self.finished.set()


def _jobs(monkeypatch, *jobs) -> None:
    monkeypatch.setattr(scheduler, "JOBS", tuple(scheduler.JobSpec(job_id, "interval", {"seconds": 1}, run=run,
                                                                   misfire_grace_time=5) for job_id, run in jobs))


def test_a_lost_lock_stops_the_process_after_the_pass_in_progress(app, monkeypatch, restore_sigterm):
    slow = SlowPass()

    class LostOnceThePassStarted:
        def held(self):
            return not slow.started.is_set()

    _jobs(monkeypatch, ("slow-pass", slow), ("scheduler-heartbeat", scheduler.heartbeat_pass))
    started = clock.monotonic()
    assert scheduler.run(app, LostOnceThePassStarted()) == 1
    assert slow.finished.is_set()  # run() returned (and the caller may release the lock) only after it
    assert clock.monotonic() - started < 15


def test_sigterm_stops_the_process_after_the_pass_in_progress(app, monkeypatch, restore_sigterm):
    slow = SlowPass(on_start=lambda: os.kill(os.getpid(), signal.SIGTERM))
    _jobs(monkeypatch, ("slow-pass", slow))
    assert scheduler.run(app, None) == 0
    assert slow.started.is_set() and slow.finished.is_set()


def test_a_lost_lock_stays_lost(tmp_path):
    class Reconnects:  # the connection ended, then (invalidated) it would answer again, without the lock
        answers = iter([False, True, True])
        released = False

        def held(self):
            return next(self.answers)

        def release(self):
            self.released = True

    lock = SchedulerLock(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))
    lock._lock.release()  # noqa: SLF001 - the real file lock is swapped for the one that reconnects
    lock._lock = inner = Reconnects()  # noqa: SLF001
    assert [lock.held(), lock.held(), lock.held()] == [False, False, False]
    lock.release()
    assert inner.released and lock.held() is False
