"""Sign-in and sign-out: participants by SMS code, staff by password and TOTP."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from companion import validation
from companion.auth import begin_session
from companion.auth.access import public
from companion.auth.forms import CodeForm, LanguageForm, PhoneForm, StaffPasswordForm, TotpForm
from companion.db import db, now_utc
from companion.extensions import limiter
from companion.i18n import BABEL_LOCALES
from companion.models import StaffUser
from companion.security import safe_next
from companion.services import login_codes, preferences, sessions, staff
from companion.sms import get_sender

blueprint = Blueprint("auth", __name__)
STAFF_STEP_SECONDS = 300


def _phone() -> str:
    try:
        return validation.phone(PhoneForm().phone.data or "")
    except validation.FieldError:
        return "invalid"


def _phone_key() -> str:
    return "phone:" + _phone()


def _phone_address_key() -> str:
    return f"phone-address:{_phone()}:{get_remote_address()}"


def _email() -> str:
    return staff.normalise_email(StaffPasswordForm().email.data or "")[:254]


def _email_key() -> str:
    return "email:" + _email()


def _email_address_key() -> str:
    return f"email-address:{_email()}:{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code != 302


def _code_policy() -> login_codes.CodePolicy:
    return login_codes.CodePolicy(
        ttl=timedelta(minutes=current_app.config["OTP_TTL_MINUTES"]), max_tries=current_app.config["OTP_MAX_TRIES"]
    )


def _home_for(user) -> str:
    if isinstance(user, StaffUser):
        return url_for("admin.index") if user.role == "administrator" else url_for("coordinator.dashboard")
    return url_for("participant.home")


@blueprint.route("/signin", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"])
# Strict per number and address; looser per number alone, so that a stranger elsewhere cannot lock a
# participant out for more than an hour, nor flood their phone with codes.
@limiter.limit("3 per 15 minutes", key_func=_phone_address_key, methods=["POST"])
@limiter.limit("10 per hour", key_func=_phone_key, methods=["POST"])
def signin():
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            phone = validation.phone(form.phone.data)
        except validation.FieldError as exc:
            form.phone.errors.append(str(exc))
        else:
            # The answer is the same whether or not the number is enrolled, and whether or not the text
            # could be sent: the code page says what to do when no code arrives.
            session["signin_attempt"] = login_codes.start(
                db.session, phone, now=now_utc(), secret=current_app.secret_key,
                sender=get_sender(), policy=_code_policy(),
            )
            session["signin_next"] = safe_next(request.args.get("next"), "")
            return redirect(url_for("auth.signin_code"))
    return render_template("auth/signin.html", form=form), 400 if form.errors else 200


@blueprint.route("/signin/code", methods=["GET", "POST"])
@public
@limiter.limit("30 per 15 minutes", methods=["POST"])
def signin_code():
    attempt = session.get("signin_attempt")
    if not attempt:
        return redirect(url_for("auth.signin"))
    form = CodeForm()
    if form.validate_on_submit():
        participant = login_codes.verify(
            db.session, attempt, form.code.data, now=now_utc(), secret=current_app.secret_key, policy=_code_policy()
        )
        if participant is not None:
            target = safe_next(session.get("signin_next"), url_for("participant.home"))
            begin_session(participant)
            return redirect(target)
        form.code.errors.append(_("That code is wrong or no longer valid. After 5 wrong tries, ask for a new code."))
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


@blueprint.route("/staff/signin", methods=["GET", "POST"])
@public
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_failed)
# Failures only: strict per account and address, looser per account, so others cannot keep a
# coordinator out for long.
@limiter.limit("5 per 15 minutes", key_func=_email_address_key, methods=["POST"], deduct_when=_failed)
@limiter.limit("20 per 15 minutes", key_func=_email_key, methods=["POST"], deduct_when=_failed)
def staff_signin():
    form = StaffPasswordForm()
    if form.validate_on_submit():
        user = staff.check_password(db.session, form.email.data, form.password.data, now=now_utc())
        if user is not None:
            session["staff_pending"] = {"id": user.id, "at": now_utc().timestamp()}
            session["signin_next"] = safe_next(request.args.get("next"), "")
            return redirect(url_for("auth.staff_verify"))
        form.password.errors.append(_("Email or password is not right."))
    return render_template("auth/staff_signin.html", form=form), 400 if form.errors else 200


@blueprint.route("/staff/signin/verify", methods=["GET", "POST"])
@public
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=_failed)
def staff_verify():
    pending = session.get("staff_pending") or {}
    user = db.session.get(StaffUser, pending.get("id", 0))
    if user is None or not user.active or now_utc().timestamp() - pending.get("at", 0) > STAFF_STEP_SECONDS:
        session.pop("staff_pending", None)
        return redirect(url_for("auth.staff_signin"))
    form = TotpForm()
    if form.validate_on_submit():
        if staff.check_totp(db.session, user, form.code.data, now=now_utc()):
            target = safe_next(session.get("signin_next"), _home_for(user))
            begin_session(user)
            return redirect(target)
        form.code.errors.append(_("That code is not right. Use the current code of your authenticator app."))
    return render_template("auth/staff_verify.html", form=form), 400 if form.errors else 200


@blueprint.route("/signout", methods=["POST"])
@public
def signout():
    staff_user = current_user.is_authenticated and current_user.kind == "staff"
    if current_user.is_authenticated:
        sessions.end(db.session, current_user.token, now=now_utc())
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("auth.staff_signin" if staff_user else "auth.signin"))


@blueprint.route("/language", methods=["POST"])
@public
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in BABEL_LOCALES:
        session["language"] = form.language.data
        if current_user.is_authenticated and current_user.kind == "participant":
            preferences.set_language(db.session, current_user.user, form.language.data, now=now_utc())
        return redirect(safe_next(form.next.data, url_for("auth.index")))
    abort(400)


@blueprint.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user.user))
    return redirect(url_for("auth.signin"))
