"""Reminders as rows and the dispatcher on a real database: planning at enrolment, re-planning when a visit
moves or SMS is turned off, sending once, downtime inside and beyond a reminder's useful time, a crash
between sending and recording, and the host's TZ set to another zone (provider errors: test_dispatch_errors.py)."""

from __future__ import annotations

import os
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from companion.domain import reminder_plan
from companion.models import Alert, AuditEvent, DiaryEntry, ReminderPreference
from companion.services import audit, reminders, visits
from companion.sms import FakeSender
from tests import factories
from tests.integration.dispatch_helpers import D0, D1, D2, DAY1, ENROLLED, VISIT2, beijing, rows, run, visit2_keys


@pytest.fixture
def person(db_session, site):
    return factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED)


def test_enrolment_plans_reminders_only_with_consent(db_session, site, person):
    planned = rows(db_session, person)
    assert set(visit2_keys(person)) <= set(planned)
    assert planned[visit2_keys(person)[0]].due_at == D2 and planned[visit2_keys(person)[2]].due_at == D0
    assert all(r.status == "pending" for r in planned.values())
    assert not any(r.visit_id == person.visits[0].id for r in planned.values())  # day 1 has begun
    without = factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED, sms_consent=False)
    assert rows(db_session, without) == {}


def test_new_settings_are_the_domain_defaults(db_session, person):
    row = reminders.preferences_for(db_session, person)
    assert reminders.as_domain(row) == reminder_plan.DEFAULT_PREFERENCES
    columns = ReminderPreference.__table__.c
    for name in ("reminder_time", "morning_time", "quiet_start", "quiet_end"):
        assert columns[name].default.arg == getattr(reminder_plan.DEFAULT_PREFERENCES, name)


def test_a_due_reminder_is_sent_once_in_the_participants_language(db_session, person, sender):
    assert run(db_session, sender, D2 - timedelta(minutes=1)).sent == 0
    stats = run(db_session, sender, D2)
    assert stats.sent == 1 and len(sender.outbox) == 1
    message = sender.outbox[0]
    assert message.to == person.phone_e164
    assert "3月16日周一" in message.body and "08:30" in message.body
    assert message.options["validity_seconds"] == 36000  # useful for 24 h; Twilio's maximum is 10 h
    row = rows(db_session, person)[visit2_keys(person)[0]]
    assert (row.status, row.provider_sid, row.attempts, row.language) == ("sent", message.provider_id, 1, "zh-CN")
    assert row.segments == 1 and row.sent_at == D2
    assert run(db_session, sender, D2 + timedelta(minutes=1)).sent == 0
    assert len(sender.outbox) == 1


def test_english_participant_gets_english(db_session, site, sender):
    person = factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED, language="en")
    run(db_session, sender, D1)
    assert [m.body for m in sender.outbox] == [
        "Reminder: your clinic visit is tomorrow, Mon 16 Mar at 08:30. If you cannot come, please call the clinic."]
    assert rows(db_session, person)[visit2_keys(person)[0]].status == "expired"  # the 2-day one is past its use


def test_a_moved_visit_sends_nothing_for_the_old_plan(db_session, person, sender):
    visit = person.visits[1]
    visits.move(db_session, visit, "2026-03-18", "participant asked", actor=audit.CLI,
                now=ENROLLED + timedelta(days=1), today=date(2026, 3, 3))
    planned = rows(db_session, person)
    assert {planned[k].status for k in visit2_keys(person)} == {"cancelled"}
    assert {planned[k].status for k in visit2_keys(person, "20260318")} == {"pending"}
    assert run(db_session, sender, D2).sent == 0 and sender.outbox == []
    # moved back: the old reminders are planned again (same rows, no duplicates), the new ones cancelled
    first_ids = {k: planned[k].id for k in visit2_keys(person)}
    visits.move(db_session, visit, "2026-03-16", "back again", actor=audit.CLI, now=D2 + timedelta(hours=1),
                today=date(2026, 3, 14))
    planned = rows(db_session, person)
    assert {k: planned[k].id for k in visit2_keys(person)} == first_ids
    assert {planned[k].status for k in visit2_keys(person)} == {"pending"}
    assert {planned[k].status for k in visit2_keys(person, "20260318")} == {"cancelled"}
    # the 2-day reminder fell due an hour ago and is still useful: it goes now, once
    assert run(db_session, sender, D2 + timedelta(hours=1)).sent == 1
    assert "3月16日周一" in sender.outbox[0].body
    assert run(db_session, sender, beijing(3, 16, 19)).sent == 0


def test_a_visit_that_took_place_gets_no_more_reminders(db_session, person, sender):
    visits.record_actual(db_session, person.visits[1], "2026-03-13", "came early", actor=audit.CLI,
                         now=beijing(3, 13, 12), today=date(2026, 3, 13))
    assert {rows(db_session, person)[k].status for k in visit2_keys(person)} == {"cancelled"}
    assert run(db_session, sender, VISIT2).sent == 0


def test_withdrawing_consent_cancels_pending_reminders_at_once(db_session, person, sender):
    reminders.set_consent(db_session, person, False, actor=audit.Actor("participant", person.id), version="v2",
                          now=ENROLLED)
    assert {r.status for r in rows(db_session, person).values()} == {"cancelled"}
    assert (person.sms_consent, person.sms_consent_at, person.sms_consent_version) == (False, ENROLLED, "v2")
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.consent_withdrawn"))
    assert event.changes["sms_consent"] == [True, False]
    assert run(db_session, sender, D2).sent == 0 and sender.outbox == []
    reminders.set_consent(db_session, person, True, actor=audit.Actor("participant", person.id), version="v2",
                          now=ENROLLED + timedelta(hours=1))
    assert rows(db_session, person)[visit2_keys(person)[0]].status == "pending"


def test_consent_withdrawn_after_claiming_is_still_honoured(db_session, person, sender):
    person.sms_consent = False  # changed behind the planner's back: the dispatcher checks again
    db_session.commit()
    stats = run(db_session, sender, D2)
    assert stats.sent == 0 and stats.cancelled == 1 and sender.outbox == []


def test_down_across_the_due_time_but_back_while_useful_sends_once(db_session, person, sender):
    back = D2 + timedelta(minutes=50)  # 19:50, still before quiet hours and before the next reminder
    assert run(db_session, sender, back).sent == 1
    assert run(db_session, sender, back + timedelta(minutes=1)).sent == 0
    assert len(sender.outbox) == 1


def test_down_beyond_the_useful_time_expires_and_never_sends(db_session, person, sender):
    stats = run(db_session, sender, VISIT2 + timedelta(minutes=30))
    assert stats.sent == 0 and sender.outbox == []
    planned = rows(db_session, person)
    assert {planned[k].status for k in visit2_keys(person)} == {"expired"}
    shown = reminders.messages_of(db_session, person)
    assert [r.status for r in shown if r.key in visit2_keys(person)] == ["expired"] * 3


def test_back_during_quiet_hours_waits_for_the_morning(db_session, person, sender):
    reminders.change_preferences(db_session, person, {"reminder_time": "20:30"},
                                 actor=audit.Actor("participant", person.id), now=ENROLLED)
    night = beijing(3, 14, 22)  # the 2-day reminder fell due at 20:30; now quiet
    stats = run(db_session, sender, night)
    assert stats.deferred == 1 and sender.outbox == []
    assert run(db_session, sender, beijing(3, 15, 7, 59)).sent == 0
    assert run(db_session, sender, beijing(3, 15, 8)).sent == 1
    assert "2天后" in sender.outbox[0].body
    row = rows(db_session, person)[visit2_keys(person)[0]]
    assert row.attempts == 1 and row.status == "sent"


def test_back_during_quiet_hours_after_the_use_expires(db_session, person, sender):
    stats = run(db_session, sender, beijing(3, 15, 23))  # the 1-day reminder would be useless by 08:00
    assert stats.sent == 0 and visit2_keys(person)[1] in {
        r.key for r in rows(db_session, person).values() if r.status == "expired"}
    assert run(db_session, sender, D0).sent == 1
    assert "今天" in sender.outbox[0].body


class Killed(BaseException):
    """The process dies: nothing after this line of the dispatcher runs."""


class DiesAfterSending(FakeSender):
    def __init__(self):
        super().__init__()
        self.die = True

    def send(self, to, body, **options):
        result = super().send(to, body, **options)
        if self.die:
            self.die = False
            raise Killed("the process died after sending, before recording")
        return result


def test_killed_between_sending_and_recording_nothing_lost_nothing_twice(db_session, site, person):
    other = factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED)
    sender = DiesAfterSending()
    with pytest.raises(Killed, match="after sending, before recording"):
        run(db_session, sender, D2)
    db_session.rollback()
    assert len(sender.outbox) == 1
    first_to = sender.outbox[0].to
    # restarted a minute later: the other participant's reminder goes, the uncertain one is not resent
    stats = run(db_session, sender, D2 + timedelta(minutes=1))
    assert stats.sent == 1 and len(sender.outbox) == 2
    assert {m.to for m in sender.outbox} == {person.phone_e164, other.phone_e164}
    # past the lease the uncertain one is flagged for a person, still never resent
    stats = run(db_session, sender, D2 + timedelta(minutes=10))
    assert stats.reconciliation == 1 and stats.sent == 0 and len(sender.outbox) == 2
    flagged = [r for p in (person, other) for r in rows(db_session, p).values() if r.status == "needs_reconciliation"]
    assert len(flagged) == 1
    owner = person if first_to == person.phone_e164 else other
    assert flagged[0].participant_id == owner.id
    assert db_session.scalar(select(Alert).where(Alert.rule == "sms_needs_check")).source_id == flagged[0].id


def test_preferences_change_moves_unsent_reminders_and_keeps_keys(db_session, person):
    before = rows(db_session, person)
    changes = reminders.change_preferences(db_session, person, {"reminder_time": "18:00", "timezone": "Europe/London"},
                                           actor=audit.Actor("participant", person.id), now=ENROLLED)
    assert changes["reminder_time"] == [time(19, 0), time(18, 0)]
    after = rows(db_session, person)
    key = visit2_keys(person)[0]
    assert set(after) >= set(before)
    assert after[key].due_at == datetime(2026, 3, 14, 18, 0, tzinfo=UTC)  # 18:00 in London
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.preferences")).changes[
        "timezone"] == ["Asia/Shanghai", "Europe/London"]


def test_staff_changes_need_a_reason(db_session, person):
    from companion.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="^reminder_time: Enter a time as HH:MM, for example 19:00.; "
                                               "reason: Give a reason for this change.$") as caught:
        reminders.change_preferences(db_session, person, {"reminder_time": "25:00"},
                                     actor=audit.Actor("staff", 1, person.site_id), now=ENROLLED)
    assert set(caught.value.errors) == {"reminder_time", "reason"}


def test_diary_nudges_only_on_days_without_an_entry(db_session, person, sender):
    now = beijing(3, 5, 9)
    reminders.change_preferences(db_session, person, {"diary_nudge_time": "20:00"},
                                 actor=audit.Actor("participant", person.id), now=now)
    assert {"d:20260305", "d:20260306"} <= set(rows(db_session, person))
    # an entry written after planning: the dispatcher checks again and cancels
    db_session.add(DiaryEntry(participant_id=person.id, local_date=date(2026, 3, 5), fatigue=2, joint_pain=1,
                              symptoms=[], created_at=now))
    db_session.commit()
    stats = run(db_session, sender, beijing(3, 5, 20))
    assert stats.cancelled == 1 and sender.outbox == []
    reminders.replan(db_session, person, now=beijing(3, 6, 9))
    db_session.commit()
    assert run(db_session, sender, beijing(3, 6, 20)).sent == 1
    assert "3月6日周五" in sender.outbox[0].body


@pytest.fixture
def host_zone():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    clock.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    clock.tzset()


def test_the_same_results_with_the_host_in_another_zone(db_session, site, sender, host_zone):
    assert clock.localtime().tm_zone in ("PST", "PDT")
    person = factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED, timezone="America/New_York")
    key = visit2_keys(person)[1]
    planned = rows(db_session, person)[key]
    assert planned.due_at == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)  # 19:00 EDT on Sunday 15 March
    assert run(db_session, sender, planned.due_at - timedelta(seconds=1)).sent == 0
    assert run(db_session, sender, planned.due_at).sent == 1
    assert rows(db_session, person)[key].status == "sent"
