"""Access decorators. Roles are checked here; records are checked per query (a coordinator's
queries filter by site, a participant's by their own id), and a record out of reach is a 404."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

#: staff roles (issue 5): coordinators work their own site; investigators read, sign off and see the
#: endpoint report; administrators manage users, sites and settings
ROLES = ("coordinator", "investigator", "administrator")


def _guard(kind: str, signin_endpoint: str, *, api: bool = False, roles: tuple[str, ...] = ()):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if api:
                    abort(401)
                return redirect(url_for(signin_endpoint, next=request.full_path.rstrip("?")))
            if current_user.kind != kind or (roles and current_user.user.role not in roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = kind  # read by the access-control tests, which check every route has a guard
        wrapped.roles = roles or (ROLES if kind == "staff" else ())
        return wrapped

    return decorator


def participant_required(view):
    return _guard("participant", "auth.signin")(view)


def staff_required(view):
    """Any signed-in staff member (each view still filters by the user's site)."""
    return _guard("staff", "auth.staff_signin")(view)


def roles_required(*roles: str):
    """Staff with one of ``roles``; others get 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return _guard("staff", "auth.staff_signin", roles=roles)


def participant_api(view):
    return _guard("participant", "auth.signin", api=True)(view)


def public(view):
    """Marks a view that anyone may open (sign-in pages, health check)."""
    view.access = "public"
    return view
