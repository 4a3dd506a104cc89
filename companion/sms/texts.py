"""Registered SMS texts. No diagnosis, drug, dose or study name ever appears (DOMAIN.md section 7)."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from companion.i18n import babel_locale


def login_code(language: str, code: str, minutes: int) -> str:
    """The one-time sign-in code message, in the participant's language."""
    with force_locale(babel_locale(language)):
        return gettext(
            "%(code)s is your sign-in code. It expires in %(minutes)s minutes. Never share it.",
            code=code,
            minutes=minutes,
        )
