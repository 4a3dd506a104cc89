"""Administration (administrators only): staff accounts and roles of the site, and the site's settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from companion.admin.forms import ActiveForm, NewUserForm, RoleForm, SiteForm
from companion.auth.access import roles_required
from companion.auth.guards import site_staff_user
from companion.db import db, now_utc
from companion.forms import field_errors, submitted
from companion.models import StaffUser
from companion.services import audit, heartbeat, staff
from companion.services.errors import ValidationFailed
from companion.services.site_settings import SETTINGS, update_site

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> audit.Actor:
    return audit.Actor("staff", current_user.user.id, current_user.user.site_id)


def _page(*, errors=None, new=None, status=200):
    users = db.session.scalars(select(StaffUser).where(StaffUser.site_id == current_user.user.site_id)
                               .order_by(StaffUser.email)).all()
    site = current_user.user.site
    return render_template("admin/index.html", users=users, site=site, roles=staff.ROLES,
                           errors=field_errors(errors or {}), new=new, settings=SETTINGS, values=submitted(),
                           reminders=heartbeat.scheduler_status(db.session, now=now_utc()), zone=site.timezone), status


@blueprint.route("/")
@roles_required("administrator")
def index():
    return _page()


@blueprint.route("/users", methods=["POST"])
@roles_required("administrator")
def create_user():
    form = NewUserForm.from_form()
    try:
        new = staff.create_coordinator(db.session, email=form.email or "", password=form.password or "",
                                       site=current_user.user.site, now=now_utc(), actor=_actor(),
                                       role=form.role or "")
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    return _page(new=new)


@blueprint.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("administrator")
@site_staff_user
def set_active(user: StaffUser):
    if user.id == current_user.user.id:
        abort(400)  # an administrator cannot lock themself out
    form = ActiveForm.from_form()
    try:
        staff.set_active(db.session, user, form.make_active, reason=form.checked_reason(), actor=_actor(),
                         now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Account updated."))
    return redirect(url_for("admin.index"))


@blueprint.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required("administrator")
@site_staff_user
def set_role(user: StaffUser):
    form = RoleForm.from_form()
    try:
        staff.set_role(db.session, user, form.role or "", reason=form.checked_reason(), actor=_actor(),
                       now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Role changed."))
    return redirect(url_for("admin.index"))


@blueprint.route("/site", methods=["POST"])
@roles_required("administrator")
def site_settings():
    form = SiteForm.from_form()
    try:
        update_site(db.session, current_user.user.site, form.values(), actor=_actor(), now=now_utc())
    except ValidationFailed as exc:
        return _page(errors=exc.errors, status=400)
    flash(_("Site settings saved."))
    return redirect(url_for("admin.index"))
