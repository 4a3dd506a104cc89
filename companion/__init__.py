"""The trial companion: ``create_app`` reads like a table of contents of the application."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from companion.config import ROOT, Settings


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` (tests) overrides what the environment says; nothing starts here."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(Settings.from_env().flask_config())
    app.config.update(config or {})
    if app.config["SETTINGS"].behind_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from companion import auth, i18n, security, sms, templating
    from companion.catalogues import ensure_compiled
    from companion.converters import bounded_ids
    from companion.db import db
    from companion.extensions import api, babel, csrf, limiter
    from companion.protocols import load_protocol

    bounded_ids(app)  # before any route: ids in URLs are bounded (companion/converters.py)
    ensure_compiled(app)  # a clone started without dev.sh has no .mo files (companion/catalogues.py)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "UTC")
    api.init_app(app)
    auth.init_app(app)
    sms.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    app.extensions["protocol"] = load_protocol(app.config["PROTOCOL"], app.config["PROTOCOL_READING"])


def register_blueprints(app: Flask) -> None:
    from companion.admin.views import blueprint as admin_bp
    from companion.api import blueprint as api_v1
    from companion.api.diary import blueprint as api_v1_diary
    from companion.auth.views import blueprint as auth_bp
    from companion.coordinator.views import blueprint as coordinator_bp
    from companion.diary.views import blueprint as diary_bp
    from companion.extensions import api
    from companion.health import blueprint as health_bp
    from companion.participant.views import blueprint as participant_bp
    from companion.records.views import blueprint as records_bp
    from companion.reminders.views import blueprint as reminders_bp
    from companion.webhooks.views import blueprint as sms_bp
    from companion.workspace.views import blueprint as workspace_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(participant_bp)
    app.register_blueprint(coordinator_bp)
    app.register_blueprint(diary_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(health_bp)
    api.register_blueprint(api_v1)
    api.register_blueprint(api_v1_diary)


def register_errorhandlers(app: Flask) -> None:
    from companion import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from companion import cli, messaging_cli

    cli.init_app(app)
    messaging_cli.init_app(app)
