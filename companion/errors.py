"""Error pages and JSON errors: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        401: _("Please sign in first."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist, or you do not have access to it."),
        405: _("This action is not allowed here."),
        413: _("What you sent is too large."),
        422: _("Some of what you sent is not valid; see the errors."),
        429: _("Too many attempts. Please wait a few minutes and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


# Headers of an HTTP error that the client needs to act on (405: which methods; 429/503: when to come back).
KEPT_HEADERS = ("Allow", "Retry-After")


def _respond(code: int, message: str, errors: dict | None = None, headers: list | None = None):
    if request.path.startswith("/api/"):
        body = {"code": code, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), code, headers or []
    return render_template("error.html", code=code, message=message), code, headers or []


def handle_http(exc: HTTPException):
    code = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")  # flask-smorest abort() / webargs validation
    headers = [(name, value) for name, value in exc.get_headers() if name in KEPT_HEADERS]
    return _respond(code, _messages().get(code, exc.description or ""), errors, headers)


def handle_csrf(exc: CSRFError):
    return _respond(400, _("This form has expired or was not sent from this site. Reload the page and try again."))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    # The type and place only: request data may hold personal data and must not reach the logs.
    # Outside production the traceback helps the developer; production logs keep to the type.
    detailed = current_app.config["APP_ENV"] != "production"
    log.error("unhandled %s at %s %s", type(exc).__name__, request.method, request.url_rule, exc_info=detailed)
    return _respond(500, _messages()[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
