"""Languages: the participant's setting, else the one chosen on the page, else the browser's."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_login import current_user

#: our language codes (stored on participants) -> Babel locale names (translation folders)
BABEL_LOCALES = {"zh-CN": "zh_Hans_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh-CN"


def babel_locale(language: str | None) -> str:
    return BABEL_LOCALES.get(language or DEFAULT_LANGUAGE, BABEL_LOCALES[DEFAULT_LANGUAGE])


def current_language() -> str:
    """The language of this request, as one of our codes ("zh-CN" or "en"); English on the command line."""
    if not has_request_context():
        return "en"
    user = getattr(current_user, "user", None)
    if getattr(current_user, "kind", None) == "participant" and user is not None:
        return user.language
    chosen = session.get("language")
    if chosen in BABEL_LOCALES:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best in ("zh-CN", "zh"):
        return "zh-CN"
    return best or DEFAULT_LANGUAGE


def select_locale() -> str:
    return babel_locale(current_language())
