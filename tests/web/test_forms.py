"""Forms are objects (companion/forms.py): CSRF is checked once, globally, on every POST; views read what was
posted through one input type, never ``request.form`` field by field; errors have one shape everywhere."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from companion.db import now_utc
from companion.forms import FormInput, field_errors
from companion.services.errors import ValidationFailed
from companion.services.schedules import local_today
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REFUSED = "This form has expired or was not sent from this site."

#: POST routes that take no CSRF token, with why
CSRF_EXEMPT = {
    "sms.status": "Twilio webhook: proven by its X-Twilio-Signature instead (tests/web/test_sms_webhooks.py)",
    "sms.inbound": "Twilio webhook: proven by its X-Twilio-Signature instead (tests/web/test_sms_webhooks.py)",
}

#: view modules that may read request.form, with why
RAW_FORM_ALLOWED = {
    "companion/webhooks/views.py": "Twilio webhooks: the signature is computed over the raw posted parameters",
}


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in CSRF_EXEMPT:
            url = re.sub(r"<int:\w+>", "1", rule.rule).replace("<week_start>", "2026-01-05")
            yield rule.endpoint, url


def _token(client) -> str:
    page = client.get("/signin").get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_every_post_without_a_token_is_refused_and_with_one_is_let_through(csrf_client):
    app = csrf_client.application
    routes = list(_post_routes(app))
    assert len(routes) >= 25, routes
    for endpoint, url in routes:
        token = _token(csrf_client)  # a fresh one: signing out clears the session that the token belongs to
        refused = csrf_client.post(url, data={"reason": "test"}, headers={"Accept-Language": "en"})
        assert refused.status_code == 400, endpoint
        assert REFUSED in refused.get_data(as_text=True), endpoint
        let_through = csrf_client.post(url, data={"reason": "test", "csrf_token": token},
                                       headers={"Accept-Language": "en", "X-CSRFToken": token})
        assert REFUSED not in let_through.get_data(as_text=True), endpoint
        if getattr(app.view_functions[endpoint], "access", None) != "public":
            # signed out, so past the CSRF check the access guard answers
            assert let_through.status_code in (302, 401), (endpoint, let_through.status_code)
    stale = set(CSRF_EXEMPT) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not stale, f"CSRF_EXEMPT lists routes that no longer exist: {stale}"


def _view_modules() -> list[Path]:
    """Every module of the app that declares a blueprint, i.e. holds views."""
    found = []
    for path in sorted((ROOT / "companion").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint" for node in ast.walk(tree)):
            found.append(path)
    return found


def _reads_request_form(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "form"
            and isinstance(node.value, ast.Name) and node.value.id == "request"]


def test_no_view_module_reads_request_form():
    modules = _view_modules()
    assert len(modules) >= 10, modules
    offenders = {}
    for path in modules:
        name = path.relative_to(ROOT).as_posix()
        lines = _reads_request_form(path)
        if lines and name not in RAW_FORM_ALLOWED:
            offenders[name] = lines
    assert offenders == {}, f"views reading request.form instead of a form object: {offenders}"
    stale = set(RAW_FORM_ALLOWED) - {path.relative_to(ROOT).as_posix() for path in modules}
    assert not stale, f"RAW_FORM_ALLOWED lists modules that hold no views any more: {stale}"


def test_the_request_form_check_finds_a_view_that_reads_it(tmp_path):
    module = tmp_path / "views.py"
    module.write_text("from flask import request\n\ndef view():\n    return request.form.get('note')\n")
    assert _reads_request_form(module) == [4]


def test_no_view_checks_csrf_again_with_an_empty_form():
    pattern = re.compile(r"FlaskForm\(\)")
    found = [path.relative_to(ROOT).as_posix() for path in (ROOT / "companion").rglob("*.py")
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_errors_have_one_shape_a_list_of_messages_per_field():
    exc = ValidationFailed({"fatigue": "Enter a number from 0 to 10.", "symptoms": ["unknown", "twice"]})
    assert field_errors(exc.errors) == {"fatigue": ["Enter a number from 0 to 10."], "symptoms": ["unknown", "twice"]}


def test_a_form_input_reads_missing_fields_as_none_and_lists_as_empty():
    class Sample(FormInput):
        FIELDS = ("note", "reason")
        LISTS = ("symptoms",)

    sample = Sample.from_form(MultiDict([("note", "hello"), ("symptoms", "rash"), ("symptoms", "fever")]))
    assert (sample.note, sample.reason, sample.symptoms) == ("hello", None, ["rash", "fever"])


def test_api_service_errors_are_lists_like_schema_errors(client, db_session, site, signin_participant):
    today = local_today("Asia/Shanghai", now_utc())
    signin_participant(client, factories.participant(db_session, site, day1=today - timedelta(days=20),
                                                     language="en"))
    body = {"client_id": "phone-0100-abc", "local_date": today.isoformat(), "fatigue": 20, "joint_pain": 1}
    service = client.post("/api/v1/diary-entries", json=body).get_json()["errors"]["json"]  # the service's check
    schema = client.post("/api/v1/diary-entries", json=body | {"fatigue": "2"}).get_json()["errors"]["json"]
    assert isinstance(service["fatigue"], list) and "10" in service["fatigue"][0]
    assert isinstance(schema["fatigue"], list) and schema["fatigue"]
