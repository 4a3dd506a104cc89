"""Withdrawing a participant: sessions end, reminders are cancelled, the record stays, sign-in stops."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from companion.db import now_utc
from companion.models import AuditEvent, Reminder
from companion.services import endpoint
from tests import factories


def test_withdrawal_ends_access_and_reminders_and_keeps_the_record(app, client, db_session, site, coordinator,
                                                                   signin_participant, signin_staff, sender):
    now = now_utc()
    person = factories.enrolled(db_session, site, day1=(now + timedelta(days=5)).date(), now=now)
    phone = signin_participant(app.test_client(), person)
    pending_before = db_session.scalars(select(Reminder.status).where(Reminder.participant_id == person.id)).all()
    assert "pending" in pending_before
    signin_staff(client, coordinator)
    assert client.post(f"/coordinator/participants/{person.id}/withdraw", data={"reason": " "}).status_code == 400
    response = client.post(f"/coordinator/participants/{person.id}/withdraw",
                           data={"reason": "withdrew consent at the visit"})
    assert response.status_code == 302
    db_session.refresh(person)
    assert person.active is False
    assert phone.get("/my/").status_code == 302  # signed out
    statuses = set(db_session.scalars(select(Reminder.status).where(Reminder.participant_id == person.id)))
    assert "pending" not in statuses
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.withdraw"))
    assert event.reason == "withdrew consent at the visit" and event.changes["sessions_ended"] == 1
    outbox = len(sender.outbox)
    assert app.test_client().post("/signin", data={"phone": person.phone_e164}).status_code == 302
    assert len(sender.outbox) == outbox  # no code for a withdrawn participant
    page = client.get(f"/coordinator/participants/{person.id}").get_data(as_text=True)
    assert "withdrawn" in page and "Withdraw from the study" not in page
    report = endpoint.report(db_session, site.id, today=person.visits[-1].window_end)
    assert report.missing[0].missing == endpoint.WITHDRAWN


def test_investigator_cannot_withdraw(client, db_session, site, participant, signin_staff):
    investigator = factories.coordinator(db_session, site)
    investigator.user.role = "investigator"
    db_session.commit()
    signin_staff(client, investigator)
    assert client.post(f"/coordinator/participants/{participant.id}/withdraw",
                       data={"reason": "x"}).status_code == 403
    page = client.get(f"/coordinator/participants/{participant.id}").get_data(as_text=True)
    assert "Withdraw from the study" not in page and "Record or move a visit" not in page
