"""The reminder pages: the participant's own settings and SMS on/off (consent recorded with its time and
wording version, withdrawal cancels at once), and each participant's messages for coordinators."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from companion.models import AuditEvent, Reminder
from companion.services import dispatch, reminders
from companion.sms import FakeSender
from tests import factories

FORM = {"sms": "on", "language": "zh-CN", "reminder_time": "19:00", "morning_time": "07:30",
        "quiet_start": "21:00", "quiet_end": "08:00", "diary_nudge_time": "20:00"}


def statuses(db_session, participant) -> set[str]:
    db_session.expire_all()
    return set(db_session.scalars(select(Reminder.status).where(Reminder.participant_id == participant.id)))


class Markup(HTMLParser):
    """Collects ids, label targets, form controls and anything inline."""

    def __init__(self):
        super().__init__()
        self.ids, self.labels, self.controls, self.inline = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id"))
        if "style" in attrs or tag == "style" or (tag == "script") or any(a.startswith("on") for a in attrs):
            self.inline.append(tag)


def check_markup(html: str) -> None:
    parsed = Markup()
    parsed.feed(html)
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"
    unlabelled = [c for c in parsed.controls if c is None or c not in parsed.labels]
    assert unlabelled == [], f"inputs without a label: {unlabelled}"
    assert parsed.inline == []


@pytest.fixture
def me(db_session, site):
    return factories.participant(db_session, site, language="en")  # day 21: visits ahead


def test_participant_sees_their_settings(client, me, signin_participant, app):
    signin_participant(client, me)
    page = client.get("/my/reminders")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="19:00"' in html and 'value="07:30"' in html and 'value="21:00"' in html
    assert app.config["SMS_CONSENT_VERSION"] in html
    assert '<input checked id="sms-0" name="sms" required type="radio" value="on">' in html
    check_markup(html)
    assert "/my/reminders" in client.get("/my/").get_data(as_text=True)


def test_turning_sms_off_cancels_at_once_and_records_consent(client, db_session, me, signin_participant, app):
    assert "pending" in statuses(db_session, me)
    signin_participant(client, me)
    response = client.post("/my/reminders", data={**FORM, "sms": "off", "language": "en"})
    assert response.status_code == 302
    assert "pending" not in statuses(db_session, me)
    db_session.refresh(me)
    assert me.sms_consent is False and me.sms_consent_version == app.config["SMS_CONSENT_VERSION"]
    assert me.sms_consent_at is not None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.consent_withdrawn"))
    assert event.actor_type == "participant" and event.actor_id == me.id
    assert event.changes["sms_consent_version"][1] == app.config["SMS_CONSENT_VERSION"]
    client.post("/my/reminders", data={**FORM, "language": "en"})
    db_session.refresh(me)
    assert me.sms_consent is True and "pending" in statuses(db_session, me)


def test_changing_times_replans_and_quiet_hours_apply(client, db_session, me, signin_participant):
    signin_participant(client, me)
    response = client.post("/my/reminders", data={**FORM, "language": "en", "reminder_time": "23:30",
                                                  "diary_nudge": "y"})
    assert response.status_code == 302
    prefs = reminders.preferences_for(db_session, me)
    db_session.refresh(prefs)
    assert prefs.reminder_time.hour == 23 and prefs.diary_nudge_time.hour == 20
    db_session.expire_all()
    pending = db_session.scalars(select(Reminder).where(Reminder.participant_id == me.id,
                                                        Reminder.status == "pending")).all()
    assert any(r.kind == "diary" for r in pending)
    for row in pending:  # 23:30 is quiet: moved to 20:45 local, never inside 21:00-08:00
        local = row.due_at.astimezone(__import__("zoneinfo").ZoneInfo(me.timezone))
        assert 8 <= local.hour < 21


def test_a_bad_form_changes_nothing(client, db_session, me, signin_participant):
    signin_participant(client, me)
    response = client.post("/my/reminders", data={**FORM, "language": "en", "reminder_time": "25:99"})
    assert response.status_code == 400
    prefs = reminders.preferences_for(db_session, me)
    db_session.refresh(prefs)
    assert prefs.reminder_time.hour == 19
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.preferences")) is None


def test_coordinator_sees_messages_in_the_site_zone(client, db_session, site, coordinator, signin_staff):
    person = factories.enrolled(db_session, site, day1=datetime(2026, 3, 2).date(),
                                now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    sender = FakeSender()
    dispatch.dispatch_due(db_session, sender, now=datetime(2026, 3, 14, 11, 0, tzinfo=UTC))  # 2-day one sent
    dispatch.dispatch_due(db_session, sender, now=datetime(2026, 3, 16, 1, 0, tzinfo=UTC))  # the rest expired
    signin_staff(client, coordinator)
    assert f"/coordinator/participants/{person.id}/messages" in client.get(
        f"/coordinator/participants/{person.id}").get_data(as_text=True)
    page = client.get(f"/coordinator/participants/{person.id}/messages")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2026-03-14 19:00" in html  # 11:00 UTC shown in Beijing time
    assert "Sent" in html and "Expired, not sent" in html and "Planned" in html
    assert person.phone_e164 not in html.split("<h1")[1].split("</dl>")[1]  # no numbers in the message list
    assert "提醒" not in html  # message texts are not shown (not stored)
    check_markup(html)


def test_coordinator_changes_need_a_reason(client, db_session, site, coordinator, signin_staff):
    person = factories.participant(db_session, site)
    signin_staff(client, coordinator)
    url = f"/coordinator/participants/{person.id}/messages"
    data = {**FORM, "sms": "off", "timezone": "Asia/Shanghai"}
    assert client.post(url, data={**data, "reason": ""}).status_code == 400
    db_session.refresh(person)
    assert person.sms_consent is True
    response = client.post(url, data={**data, "reason": "asked at the desk to stop texts"})
    assert response.status_code == 302
    db_session.refresh(person)
    assert person.sms_consent is False and "pending" not in statuses(db_session, person)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.consent_withdrawn"))
    assert event.actor_type == "staff" and event.reason == "asked at the desk to stop texts"


def test_coordinator_changes_zone_and_replans(client, db_session, site, coordinator, signin_staff):
    person = factories.participant(db_session, site)
    before = {r.key: r.due_at for r in db_session.scalars(select(Reminder).where(
        Reminder.participant_id == person.id, Reminder.status == "pending"))}
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/participants/{person.id}/messages",
                           data={**FORM, "timezone": "Europe/London", "reason": "moved to London"})
    assert response.status_code == 302
    db_session.expire_all()
    after = {r.key: r.due_at for r in db_session.scalars(select(Reminder).where(
        Reminder.participant_id == person.id, Reminder.status == "pending"))}
    shared = set(before) & set(after)
    assert shared and all(after[k] - before[k] in (timedelta(hours=8), timedelta(hours=7)) for k in shared
                          if not k.endswith("d0"))
    assert re.search(r"Europe/London", client.get(f"/coordinator/participants/{person.id}/messages")
                     .get_data(as_text=True))
