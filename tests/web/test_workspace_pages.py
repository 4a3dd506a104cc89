"""The coordinator workspace through the pages: dashboard, assessment, alerts, sign-off, endpoint report,
roles and administration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.db import now_utc
from companion.models import Alert, AuditEvent, StaffUser
from companion.models.workspace import Assessment, DiaryWeekReview
from companion.services import alerts, staff
from companion.services.schedules import local_today
from tests import factories


@pytest.fixture
def today():
    return local_today("Asia/Shanghai", now_utc())


def _account(db_session, site, role):
    login = factories.coordinator(db_session, site)
    login.user.role = role
    db_session.commit()
    return login


def test_dashboard_puts_open_red_alerts_first_and_filters(client, db_session, site, coordinator, signin_staff, today):
    quiet = factories.participant(db_session, site, study_id="AAA-1", day1=today - timedelta(days=20))
    urgent = factories.participant(db_session, site, study_id="ZZZ-9", day1=today - timedelta(days=20))
    alerts.raise_alert(db_session, participant_id=urgent.id, tier="RED", rule="self_harm", source_type="check_ins",
                       source_id=1, now=now_utc())
    db_session.commit()
    signin_staff(client, coordinator)
    page = client.get("/coordinator/").get_data(as_text=True)
    assert page.index("ZZZ-9") < page.index("AAA-1") and "RED 1" in page
    by_id = client.get("/coordinator/?sort=study_id").get_data(as_text=True)
    assert by_id.index("AAA-1") < by_id.index("ZZZ-9")
    only_red = client.get("/coordinator/?tier=RED").get_data(as_text=True)
    assert "ZZZ-9" in only_red and quiet.study_id not in only_red


def test_assessment_through_the_page(client, db_session, site, coordinator, signin_staff, today):
    person = factories.participant(db_session, site, day1=today - timedelta(days=60))
    visit = person.visits[3]
    signin_staff(client, coordinator)
    url = f"/coordinator/participants/{person.id}/visits/{visit.id}/assessment"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"assessed_on": visit.target_date.isoformat(), "variant": "SLEDAI-2K",
                                      "descriptors": ["rash", "low_complement"], "pga": "1", "prednisone_mg": "5",
                                      "is-hydroxychloroquine": "400", "immunosuppressants_tolerated": "y",
                                      "weight_kg": "58"})
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db_session.scalar(select(Assessment))
    assert saved.sledai_total == 4 and saved.in_lldas and str(saved.dose_mg) == "580.0"
    page = client.get(url).get_data(as_text=True)
    assert "In LLDAS" in page and "580 mg" in page


def test_bad_assessment_is_a_400(client, db_session, site, coordinator, signin_staff, today):
    person = factories.participant(db_session, site, day1=today - timedelta(days=60))
    signin_staff(client, coordinator)
    url = f"/coordinator/participants/{person.id}/visits/{person.visits[0].id}/assessment"
    response = client.post(url, data={"assessed_on": "not a date", "variant": "x", "pga": "9"})
    assert response.status_code == 400
    assert db_session.scalar(select(Assessment)) is None


def test_alert_acknowledged_from_the_list(client, db_session, participant, coordinator, signin_staff):
    alert = alerts.raise_alert(db_session, participant_id=participant.id, tier="AMBER", rule="fever",
                               source_type="diary_entries", source_id=1, now=now_utc())
    db_session.commit()
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/alerts/{alert.id}/acknowledge", data={"note": "advised paracetamol"})
    assert response.status_code == 302
    db_session.refresh(alert)
    assert alert.acknowledged_by_id == coordinator.user.id and alert.action_note == "advised paracetamol"


def test_alert_of_another_site_is_404(client, db_session, participant, signin_staff):
    alert = alerts.raise_alert(db_session, participant_id=participant.id, tier="RED", rule="neuro",
                               source_type="diary_entries", source_id=1, now=now_utc())
    db_session.commit()
    stranger = factories.coordinator(db_session, factories.site(db_session, code="OTHER"))
    signin_staff(client, stranger)
    assert client.post(f"/coordinator/alerts/{alert.id}/acknowledge", data={"note": "x"}).status_code == 404
    assert db_session.get(Alert, alert.id).acknowledged_at is None


def test_week_sign_off_by_an_investigator(client, db_session, site, participant, signin_staff, today):
    investigator = _account(db_session, site, "investigator")
    signin_staff(client, investigator)
    monday = today - timedelta(days=today.weekday())
    assert client.get(f"/coordinator/participants/{participant.id}/diary").status_code == 200
    response = client.post(f"/coordinator/participants/{participant.id}/weeks/{monday}/sign-off",
                           data={"note": "all fine"})
    assert response.status_code == 302
    review = db_session.scalar(select(DiaryWeekReview))
    assert review.reviewed_by_id == investigator.user.id and review.week_start == monday


def test_investigator_reads_but_does_not_change(client, db_session, site, participant, signin_staff):
    investigator = _account(db_session, site, "investigator")
    signin_staff(client, investigator)
    assert client.get("/coordinator/").status_code == 200
    assert client.get("/coordinator/endpoint").status_code == 200
    assert client.get("/coordinator/participants/new").status_code == 403
    url = f"/coordinator/participants/{participant.id}/visits/{participant.visits[0].id}/assessment"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"variant": "SLEDAI-2K"}).status_code == 403
    assert client.get("/admin/").status_code == 403


def test_administrator_manages_accounts_but_reads_no_diaries(client, db_session, site, participant, coordinator,
                                                             signin_staff, app):
    admin = _account(db_session, site, "administrator")
    signin_staff(client, admin)
    assert client.get(f"/coordinator/participants/{participant.id}").status_code == 403
    created = client.post("/admin/users", data={"email": "new.investigator@example.org",
                                                "password": "a long enough passphrase", "role": "investigator"})
    assert created.status_code == 200 and "TOTP" in created.get_data(as_text=True)
    assert db_session.scalar(select(StaffUser.role).where(StaffUser.email == "new.investigator@example.org")) == \
        "investigator"
    other = signin_staff(app.test_client(), coordinator)
    assert other.get("/coordinator/").status_code == 200
    response = client.post(f"/admin/users/{coordinator.user.id}/active", data={"active": "0", "reason": "left"})
    assert response.status_code == 302
    assert other.get("/coordinator/").status_code == 302  # the disabled account's session has ended
    assert db_session.scalar(select(AuditEvent.reason).where(AuditEvent.action == "staff.disable")) == "left"


def test_site_settings_need_valid_values(client, db_session, site, signin_staff):
    admin = _account(db_session, site, "administrator")
    signin_staff(client, admin)
    bad = client.post("/admin/site", data={"on_call_phone": "12", "red_escalation_minutes": "0"})
    assert bad.status_code == 400
    good = client.post("/admin/site", data={"on_call_phone": "13900000000", "red_escalation_minutes": "15",
                                            "emergency_number": "120"})
    assert good.status_code == 302
    db_session.refresh(site)
    assert (site.on_call_phone, site.red_escalation_minutes) == ("+8613900000000", 15)


def test_endpoint_report_page(client, db_session, site, coordinator, signin_staff):
    factories.participant(db_session, site)
    signin_staff(client, coordinator)
    page = client.get("/coordinator/endpoint").get_data(as_text=True)
    assert "0 of 1 participants in LLDAS" in page and "Clopper-Pearson" in page


def test_create_coordinator_with_a_role(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-coordinator", "--email", "admin@example.org",
                                                "--password-stdin", "--role", "administrator"],
                                          input="a long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(StaffUser.role).where(StaffUser.email == "admin@example.org")) == "administrator"
    assert staff.ROLES == ("coordinator", "investigator", "administrator")


def test_bad_query_values_are_not_500(client, db_session, participant, coordinator, signin_staff):
    signin_staff(client, coordinator)
    assert client.get(f"/coordinator/participants/{participant.id}/diary?weeks=abc").status_code == 200
    assert client.get("/coordinator/audit?page=%C2%B2").status_code == 400


def test_investigator_cannot_change_sms_settings(client, db_session, site, participant, signin_staff):
    investigator = _account(db_session, site, "investigator")
    signin_staff(client, investigator)
    url = f"/coordinator/participants/{participant.id}/messages"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"sms": "off", "reason": "testing"}).status_code == 403
    db_session.refresh(participant)
    assert participant.sms_consent is True
