"""Exports, the participant record and the audit trail viewer through the test client: attachments named
after the site and day, one site only, audited, strict pages, filters that narrow, paging, 400 on bad input."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from companion.db import now_utc
from companion.models import AuditEvent
from companion.services import audit, exports
from companion.services.schedules import local_today
from tests import factories

ALL_DOMAINS = list(exports.DOMAINS)


def _urls(participant_id: int) -> list[str]:
    return ["/coordinator/exports", "/coordinator/exports/dictionary", "/coordinator/exports/dictionary.csv",
            *[f"/coordinator/exports/{name}.csv" for name in ALL_DOMAINS], "/coordinator/audit",
            f"/coordinator/participants/{participant_id}/record",
            f"/coordinator/participants/{participant_id}/record.json"]


def _events(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="event-(\d+)"', page)]


def _count(db_session, action: str) -> int:
    return db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def staff_client(client, coordinator, signin_staff):
    return signin_staff(client, coordinator)


@pytest.fixture
def other(db_session):
    """A second site with a participant and a coordinator."""
    other_site = factories.site(db_session, code="OTHER")
    return {"site": other_site, "participant": factories.participant(db_session, other_site, study_id="OTH-9"),
            "coordinator": factories.coordinator(db_session, other_site)}


def test_exports_page_links_every_export_and_the_dictionary(staff_client):
    page = staff_client.get("/coordinator/exports").get_data(as_text=True)
    for name in ALL_DOMAINS:
        assert f'href="/coordinator/exports/{name}.csv"' in page
    assert 'href="/coordinator/exports/dictionary"' in page and 'href="/coordinator/exports/dictionary.csv"' in page
    assert "<script" not in page and "style=" not in page


@pytest.mark.parametrize("name", ALL_DOMAINS)
def test_csv_is_an_audited_attachment_named_after_the_site_and_day(staff_client, db_session, coordinator, site,
                                                                   participant, name):
    response = staff_client.get(f"/coordinator/exports/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    day = local_today(site.timezone, now_utc()).isoformat()
    assert response.headers["Content-Disposition"] == f'attachment; filename="PUMCH-{name}-{day}.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    assert next(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))) == [
        c.name for c in exports.DOMAINS[name].columns]
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == f"export.{name}")).one()
    assert (event.actor_type, event.actor_id, event.changes["format"]) == ("staff", coordinator.user.id, "csv")


def test_unknown_export_is_404_and_writes_nothing(staff_client, db_session):
    assert staff_client.get("/coordinator/exports/secrets.csv").status_code == 404
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action.startswith("export."))) == 0


def test_dictionary_page_and_csv_list_every_column(staff_client):
    page = staff_client.get("/coordinator/exports/dictionary").get_data(as_text=True)
    for entry in exports.dictionary():
        assert f"<code>{entry['column']}</code>" in page
    response = staff_client.get("/coordinator/exports/dictionary.csv")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="PUMCH-data-dictionary-')
    assert len(_csv(response)) == len(exports.dictionary())


def test_record_page_is_printable_html_and_audited(staff_client, db_session, participant):
    response = staff_client.get(f"/coordinator/participants/{participant.id}/record")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert participant.study_id in page and "<script" not in page and "style=" not in page
    for name in ALL_DOMAINS:
        assert f'id="section-{name}"' in page
    assert "participant.enrol" in page  # its audit trail
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "export.participant_record")).one()
    assert event.participant_id == participant.id and event.changes == {"format": "html"}


def test_record_json_is_a_download_with_the_audit_trail(staff_client, db_session, participant, site):
    response = staff_client.get(f"/coordinator/participants/{participant.id}/record.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    day = local_today(site.timezone, now_utc()).isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="PUMCH-{participant.study_id}-record-{day}.json"')
    record = response.get_json()
    assert record["study_id"] == participant.study_id and list(record["sections"]) == ALL_DOMAINS
    enrol = next(e for e in record["sections"]["audit_trail"] if e["action"] == "participant.enrol")
    assert enrol["at"].endswith("Z") and enrol["changes"]["study_id"] == [None, participant.study_id]
    assert len(record["sections"]["visits"]) == len(participant.visits)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "export.participant_record")).one()
    assert event.changes == {"format": "json"}


def test_coordinator_of_another_site_gets_nothing_of_this_one(client, db_session, participant, other, signin_staff):
    signin_staff(client, other["coordinator"])
    for suffix in ("record", "record.json"):
        assert client.get(f"/coordinator/participants/{participant.id}/{suffix}").status_code == 404
    assert _count(db_session, "export.participant_record") == 0
    for name in ("participants", "visits", "audit_trail"):
        body = client.get(f"/coordinator/exports/{name}.csv").data.decode("utf-8-sig")
        assert participant.study_id not in body and "OTH-9" in body
    page = client.get("/coordinator/audit").get_data(as_text=True)
    assert participant.study_id not in page
    response = client.get("/coordinator/audit", query_string={"participant": participant.study_id})
    assert response.status_code == 400


def test_participant_gets_403_everywhere(client, participant, signin_participant):
    signin_participant(client, participant)
    for url in _urls(participant.id):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(("role", "status"), [("investigator", 200), ("administrator", 403)])
def test_roles(client, db_session, coordinator, participant, signin_staff, role, status):
    signin_staff(client, coordinator)
    coordinator.user.role = role  # read again on every request
    db_session.commit()
    for url in _urls(participant.id):
        assert client.get(url).status_code == status, url


@pytest.fixture
def trail(db_session, site, coordinator, other):
    """Events at known instants: two participants of the site, staff, system and cli, and another site's."""
    first = factories.participant(db_session, site, study_id="AUD-1")
    second = factories.participant(db_session, site, study_id="AUD-2")
    staff = audit.Actor("staff", coordinator.user.id, site.id)
    base = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    events = {
        "alpha": audit.record(db_session, staff, "trial.alpha", at=base, participant_id=first.id,
                              reason="asked by the participant",
                              changes={"planned_date": ["2026-03-01", "2026-03-04"]}),
        "beta": audit.record(db_session, audit.SYSTEM, "trial.beta", at=base - timedelta(hours=1),
                             participant_id=second.id),  # 23:30 on 1 March in Shanghai
        "gamma": audit.record(db_session, audit.CLI, "trial.gamma.sub", at=base + timedelta(days=1), site_id=site.id),
        "theirs": audit.record(db_session, audit.SYSTEM, "trial.alpha", at=base,
                               participant_id=other["participant"].id),
    }
    db_session.commit()
    return {name: e.id for name, e in events.items()}


def _shown(client, **filters) -> set[int]:
    response = client.get("/coordinator/audit", query_string=filters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return set(_events(response.get_data(as_text=True)))


def test_audit_viewer_filters_each_narrow_the_result(staff_client, trail, coordinator):
    everything = _shown(staff_client, action="trial")
    assert everything == {trail["alpha"], trail["beta"], trail["gamma"]}  # not the other site's
    assert _shown(staff_client, participant="aud-1", action="trial") == {trail["alpha"]}
    of_first = _shown(staff_client, participant="AUD-1")  # its enrolment too
    assert trail["alpha"] in of_first and trail["beta"] not in of_first and trail["gamma"] not in of_first
    assert _shown(staff_client, user=coordinator.email, action="trial") == {trail["alpha"]}
    assert _shown(staff_client, user="system", action="trial") == {trail["beta"]}
    assert _shown(staff_client, user="cli", action="trial") == {trail["gamma"]}
    assert _shown(staff_client, action="trial.alpha") == {trail["alpha"]}
    assert _shown(staff_client, action="trial.gamma") == {trail["gamma"]}
    assert _shown(staff_client, action="trial.g*") == {trail["gamma"]}
    assert _shown(staff_client, action="trial.al") == set()
    assert _shown(staff_client, action="trial", **{"from": "2026-03-02", "to": "2026-03-02"}) == {trail["alpha"]}
    assert _shown(staff_client, action="trial", to="2026-03-01") == {trail["beta"]}
    assert _shown(staff_client, action="trial", **{"from": "2026-03-03"}) == {trail["gamma"]}


def test_audit_viewer_shows_local_time_who_old_and_new_values_and_reason(staff_client, trail, coordinator):
    page = staff_client.get("/coordinator/audit", query_string={"action": "trial.alpha"}).get_data(as_text=True)
    assert "2026-03-02 00:30" in page and coordinator.email in page and "AUD-1" in page
    assert "<code>planned_date</code>: 2026-03-01 → 2026-03-04" in page and "asked by the participant" in page
    assert "<script" not in page and "style=" not in page
    for name in ("participant", "user", "action", "from", "to"):
        assert f'<label for="filter-{name}">' in page and f'id="filter-{name}"' in page


def test_audit_viewer_pages_by_fifty(staff_client, db_session, site, coordinator):
    staff = audit.Actor("staff", coordinator.user.id, site.id)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [audit.record(db_session, staff, "paging.test", at=start + timedelta(minutes=n)) for n in range(120)]
    db_session.commit()
    newest_first = [e.id for e in reversed(ids)]
    pages = []
    for number in (1, 2, 3):
        response = staff_client.get("/coordinator/audit", query_string={"action": "paging.test", "page": number})
        page = response.get_data(as_text=True)
        pages.append(_events(page))
        assert ('rel="next"' in page) == (number < 3) and ('rel="prev"' in page) == (number > 1)
        if number < 3:
            assert f"page={number + 1}" in page and "action=paging.test" in page
    assert [len(p) for p in pages] == [50, 50, 20]
    assert pages[0] + pages[1] + pages[2] == newest_first


@pytest.mark.parametrize("filters", [
    {"from": "2026-13-01"}, {"to": "yesterday"}, {"from": "2026-03-05", "to": "2026-03-01"}, {"from": "0001-01-01"},
    {"participant": "NOPE-1"}, {"user": "nobody@example.org"}, {"action": "DROP TABLE"}, {"action": "x" * 300},
    {"page": "0"}, {"page": "abc"}, {"page": "-1"},
])
def test_bad_audit_filters_are_400_with_a_message(staff_client, filters):
    response = staff_client.get("/coordinator/audit", query_string=filters)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and 'id="event-' not in page
