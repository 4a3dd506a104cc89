"""Access control over every route of the app: a new route without a guard fails the first test."""

from __future__ import annotations

import re

import pytest

from companion.auth.access import ROLES, roles_required
from companion.auth.guards import is_id_argument, site_participant, unguarded_ids
from companion.converters import MAX_ID
from companion.db import now_utc
from companion.services import alerts, audit, checkins, diary, steroids
from companion.services.schedules import local_today
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


# Per-record guards (companion/auth/guards.py): every id in a URL is guarded, and out of reach it is a 404.


def test_every_id_in_a_url_has_a_record_guard(app):
    assert unguarded_ids(app) == []
    guarded = {rule.endpoint for rule in app.url_map.iter_rules()
               if getattr(app.view_functions[rule.endpoint], "record_guards", None)}
    assert len(guarded) >= 15, guarded


def test_a_new_route_without_a_guard_is_reported(make_app):
    app = make_app()
    app.add_url_rule("/coordinator/new/<int:participant_id>", "dummy.unguarded",
                     roles_required("coordinator")(lambda participant_id: "reached"))
    app.add_url_rule("/coordinator/new/<int:participant_id>/alerts/<int:alert_id>", "dummy.half",
                     roles_required("coordinator")(site_participant(lambda participant, alert_id: "reached")))
    app.add_url_rule("/coordinator/new/<int:participant_id>/ok", "dummy.guarded",
                     roles_required("coordinator")(site_participant(lambda participant: "reached")))
    assert unguarded_ids(app) == [("dummy.unguarded", "participant_id"), ("dummy.half", "alert_id")]


@pytest.fixture
def site_a_records(db_session, site, participant, sender, app):
    """One record of every kind that a URL can name, all of site A's participant."""
    now = now_utc()
    today = local_today(participant.timezone, now)
    actor = audit.Actor("participant", participant.id, site.id)
    context = {"actor": actor, "today": today, "now": now, "late_days": 3}
    dose = steroids.add(db_session, participant, steroids.DoseInput(local_date=today, drug="prednisone",
                                                                    strength_mg="5", tablets="1"), **context)
    entry = diary.save_day(db_session, participant, diary.DiaryInput(local_date=today, fatigue="2", joint_pain="1"),
                           **context)
    check_in = checkins.save(db_session, participant, checkins.CheckInInput(
        kind="phq2", answers={"phq1": "0", "phq2": "1"}, local_date=today), **context)
    alert = alerts.raise_alert(db_session, participant_id=participant.id, tier="AMBER", rule="fever",
                               source_type="diary_entries", source_id=entry.record.id, details={}, now=now)
    user = factories.coordinator(db_session, site).user
    db_session.commit()
    return {"participant_id": participant.id, "visit_id": participant.visits[0].id, "alert_id": alert.id,
            "user_id": user.id, "dose": dose.record.record_id, "diary_entries": entry.record.record_id,
            "check_ins": check_in.record.record_id}


def _id_url(rule, ids: dict, guards: dict) -> str:
    url = rule.rule
    for argument, kind in guards.items():
        key = kind.split(":")[1] if kind.startswith("own_record:") else argument
        value = ids["dose" if key == "steroid_doses" else key]
        url = re.sub(rf"<int:{argument}>", str(value), url)
    return url.replace("<week_start>", "2026-01-05")


def _guarded_routes(app, access: str):
    for rule, methods, route_access in _routes(app):
        guards = getattr(app.view_functions[rule.endpoint], "record_guards", {})
        if guards and route_access == access:
            yield rule, methods, guards, app.view_functions[rule.endpoint].roles


def test_each_guarded_staff_route_is_404_for_another_sites_id(app, client, db_session, site_a_records,
                                                              signin_staff):
    other_site = factories.site(db_session, code="OTHER")
    checked = 0
    for role in ROLES:
        stranger = factories.coordinator(db_session, other_site)
        stranger.user.role = role
        db_session.commit()
        signin_staff(client, stranger)
        for rule, methods, guards, roles in _guarded_routes(app, "staff"):
            if role not in roles:
                continue
            for method in methods:
                response = _call(client, method, _id_url(rule, site_a_records, guards))
                assert response.status_code == 404, (role, method, rule.rule)
                checked += 1
        client.post("/signout")
    assert checked >= 15


def test_each_guarded_participant_route_is_404_for_another_participants_record(app, client, db_session, site,
                                                                              site_a_records, signin_participant):
    signin_participant(client, factories.participant(db_session, site))
    checked = 0
    for rule, methods, guards, _roles in _guarded_routes(app, "participant"):
        for method in methods:
            response = _call(client, method, _id_url(rule, site_a_records, guards))
            assert response.status_code == 404, (method, rule.rule)
            checked += 1
    assert checked >= 4


def test_an_id_beyond_the_database_integer_is_404_on_every_id_route(app, client, db_session, coordinator,
                                                                     participant, signin_staff, signin_participant):
    routes = [(rule, methods, access) for rule, methods, access in _routes(app)
              if any(is_id_argument(arg) for arg in rule.arguments)]
    assert len(routes) >= 15
    signin_staff(client, coordinator)
    participant_client = signin_participant(app.test_client(), participant)
    for rule, methods, access in routes:
        url = re.sub(r"<int:\w+>", "2147483648", rule.rule).replace("<week_start>", "2026-01-05")
        for method in methods:
            response = _call(participant_client if access == "participant" else client, method, url)
            assert response.status_code == 404, (method, url)
    # the largest id that the database holds is still a route (and then a 404 for a record that is not there)
    assert client.get(f"/coordinator/participants/{MAX_ID}").status_code == 404
    assert client.get(f"/coordinator/participants/{participant.id}").status_code == 200
