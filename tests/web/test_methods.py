"""Unsupported methods (TRACE, PUT, DELETE, PATCH where a route has none) answer 405 with an Allow header that
lists what the route accepts, on pages and on the JSON API (issue 10, point 15)."""

from __future__ import annotations

import re

import pytest

UNSUPPORTED = ("TRACE", "PUT", "DELETE", "PATCH")


def _example_url(rule) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_every_route_answers_unsupported_methods_with_405_and_allow(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in UNSUPPORTED:
            if method in rule.methods:
                continue
            answer = client.open(_example_url(rule), method=method)
            assert answer.status_code == 405, (method, rule.rule, answer.status_code)
            allowed = {name.strip() for name in answer.headers.get("Allow", "").split(",")}
            assert rule.methods <= allowed, (method, rule.rule, answer.headers.get("Allow"))
            assert method not in allowed
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("path", ["/signin", "/api/v1/openapi.json"])
def test_trace_is_refused_in_the_clients_format(app, client, path):
    answer = client.open(path, method="TRACE")
    assert answer.status_code == 405 and "GET" in answer.headers["Allow"]
    if path.startswith("/api/"):
        assert answer.is_json and answer.json["code"] == 405
    else:
        assert answer.mimetype == "text/html"
