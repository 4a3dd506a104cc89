"""Access control over every route of the app: a new route without a guard fails the first test."""

from __future__ import annotations

import re

import pytest

from tests import factories

#: routes anyone may open, with why
PUBLIC = {
    "static": "stylesheet and icon",
    "api-docs.openapi_json": "the API description holds no personal data",
    "auth.signin": "sign-in",
    "auth.signin_code": "sign-in",
    "auth.staff_signin": "sign-in",
    "auth.staff_verify": "sign-in",
    "auth.signout": "ends whatever session there is",
    "auth.language": "language choice before sign-in",
    "health.healthz": "nginx and monitoring: check words only, no personal data (companion/health.py)",
    "auth.index": "redirects to the right home",
    "sms.status": "Twilio webhook: proven by its X-Twilio-Signature (403 without), not by a session",
    "sms.inbound": "Twilio webhook: proven by its X-Twilio-Signature (403 without), not by a session",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        access = getattr(app.view_functions[rule.endpoint], "access", None)
        yield rule, methods, access


def _url(rule, participant_id: int, record_id: int = 1) -> str:
    url = rule.rule.replace("<int:participant_id>", str(participant_id))
    return re.sub(r"<int:\w+>", str(record_id), url)


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={"reason": "test", "visit_id": "1", "action": "record",
                                                  "date": "2026-01-01"})


def test_every_route_is_public_by_decision_or_guarded(app):
    unguarded = [rule.endpoint for rule, _methods, access in _routes(app) if access not in ("participant", "staff")]
    assert unguarded == [], f"routes without an access decorator: {unguarded}"
    stale = set(PUBLIC) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not stale, f"PUBLIC lists routes that no longer exist: {stale}"


def test_signed_out_is_sent_to_sign_in(app, client, participant):
    checked = 0
    for rule, methods, access in _routes(app):
        for method in methods:
            response = _call(client, method, _url(rule, participant.id))
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, rule.rule
                assert response.is_json
            else:
                assert response.status_code == 302, (method, rule.rule)
                expected = "/signin" if access == "participant" else "/staff/signin"
                assert response.location.split("?")[0].endswith(expected), (rule.rule, response.location)
            checked += 1
    assert checked >= 8


def test_participant_cannot_reach_staff_routes(app, client, participant, signin_participant):
    signin_participant(client, participant)
    staff_routes = [(r, m) for r, m, a in _routes(app) if a == "staff"]
    assert staff_routes
    for rule, methods in staff_routes:
        for method in methods:
            assert _call(client, method, _url(rule, participant.id)).status_code == 403, rule.rule


def test_staff_cannot_reach_participant_routes(app, client, coordinator, participant, signin_staff):
    signin_staff(client, coordinator)
    participant_routes = [(r, m) for r, m, a in _routes(app) if a == "participant"]
    assert participant_routes
    for rule, methods in participant_routes:
        for method in methods:
            response = _call(client, method, _url(rule, participant.id))
            assert response.status_code == 403, rule.rule


def test_coordinator_of_another_site_sees_nothing(app, client, db_session, participant, signin_staff):
    other_site = factories.site(db_session, code="OTHER")
    stranger = factories.coordinator(db_session, other_site)
    signin_staff(client, stranger)
    record_routes = [(r, m) for r, m, a in _routes(app) if a == "staff" and "<int:participant_id>" in r.rule]
    assert len(record_routes) >= 3
    for rule, methods in record_routes:
        for method in methods:
            response = _call(client, method, _url(rule, participant.id))
            assert response.status_code == 404, (method, rule.rule)
    dashboard = client.get("/coordinator/").get_data(as_text=True)
    assert participant.study_id not in dashboard


def test_coordinator_cannot_change_a_visit_of_another_participant(client, db_session, site, coordinator,
                                                                  signin_staff):
    first = factories.participant(db_session, site)
    second = factories.participant(db_session, site)
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/participants/{first.id}/visits",
                           data={"visit_id": second.visits[0].id, "action": "record", "date": "2026-01-01",
                                 "reason": "wrong record"})
    assert response.status_code == 400
    db_session.refresh(second.visits[0])
    assert second.visits[0].actual_date is None


@pytest.mark.parametrize("url", ["/my/", "/api/v1/schedule", "/my/calendar.ics"])
def test_participant_sees_only_their_own_schedule(client, db_session, site, signin_participant, url):
    mine = factories.participant(db_session, site, study_id="MINE-1")
    theirs = factories.participant(db_session, site, study_id="THEIRS-1")
    signin_participant(client, mine)
    body = client.get(url).get_data(as_text=True)
    assert "MINE-1" in body or url.endswith(".ics")
    assert "THEIRS-1" not in body
    assert f"visit-{theirs.visits[0].id}@" not in body
    if url.endswith(".ics"):
        assert f"visit-{mine.visits[-1].id}@" in body
