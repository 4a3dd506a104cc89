"""``GET /healthz`` (and ``HEAD``) for nginx and monitoring (issue 8, point 4; companion.services.health).

Public (no sign-in, no CSRF token, no rate limit: it changes nothing and monitoring calls it often), sets
no cookie, is never cached. 200 with ``{"status": "ok", "checks": {...}}`` when every check is "ok", else
503 with ``"status": "fail"``; the body holds the check words only.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from companion.auth.access import public
from companion.db import db, now_utc
from companion.extensions import csrf, limiter
from companion.migrate import script_heads
from companion.services import health

blueprint = Blueprint("health", __name__)
csrf.exempt(blueprint)


@blueprint.record_once
def _read_heads_at_start_up(state) -> None:
    state.app.extensions["migration_heads"] = script_heads()


@blueprint.route("/healthz", methods=["GET"])
@public
@limiter.exempt
def healthz():
    heads = current_app.extensions.get("migration_heads") or script_heads()
    result = health.check(db.session, now=now_utc(), heads=heads)
    response = jsonify(result.as_json())
    response.status_code = 200 if result.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
