"""Administration (administrators only): staff accounts and roles of the site, and the site's settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from companion import validation
from companion.auth.access import roles_required
from companion.auth.guards import site_staff_user
from companion.db import db, now_utc
from companion.models import StaffUser
from companion.services import audit, heartbeat, staff
from companion.services.errors import ValidationFailed
from companion.services.site_settings import SETTINGS, update_site

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> audit.Actor:
    return audit.Actor("staff", current_user.user.id, current_user.user.site_id)


def _checked() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


def _page(*, errors=None, new=None, status=200):
    users = db.session.scalars(select(StaffUser).where(StaffUser.site_id == current_user.user.site_id)
                               .order_by(StaffUser.email)).all()
    site = current_user.user.site
    return render_template("admin/index.html", users=users, site=site, roles=staff.ROLES,
                           errors=errors or {}, new=new, settings=SETTINGS,
                           values=request.form if request.method == "POST" else None,
                           reminders=heartbeat.scheduler_status(db.session, now=now_utc()), zone=site.timezone), status


@blueprint.route("/")
@roles_required("administrator")
def index():
    return _page()


@blueprint.route("/users", methods=["POST"])
@roles_required("administrator")
def create_user():
    _checked()
    try:
        new = staff.create_coordinator(db.session, email=request.form.get("email", ""),
                                       password=request.form.get("password", ""), site=current_user.user.site,
                                       now=now_utc(), actor=_actor(), role=request.form.get("role", ""))
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    return _page(new=new)


def _reason() -> str:
    try:
        return validation.reason(request.form.get("reason", ""))
    except validation.FieldError as exc:
        raise ValidationFailed({"reason": exc.message}) from exc


@blueprint.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("administrator")
@site_staff_user
def set_active(user: StaffUser):
    _checked()
    if user.id == current_user.user.id:
        abort(400)  # an administrator cannot lock themself out
    try:
        staff.set_active(db.session, user, request.form.get("active") == "1", reason=_reason(), actor=_actor(),
                         now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Account updated."))
    return redirect(url_for("admin.index"))


@blueprint.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required("administrator")
@site_staff_user
def set_role(user: StaffUser):
    _checked()
    try:
        staff.set_role(db.session, user, request.form.get("role", ""), reason=_reason(), actor=_actor(),
                       now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Role changed."))
    return redirect(url_for("admin.index"))


@blueprint.route("/site", methods=["POST"])
@roles_required("administrator")
def site_settings():
    _checked()
    try:
        update_site(db.session, current_user.user.site, {k: request.form.get(k) for k in SETTINGS},
                    actor=_actor(), now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Site settings saved."))
    return redirect(url_for("admin.index"))
