"""Access decorators. Roles are checked here; records are checked per query (a coordinator's
queries filter by site, a participant's by their own id), and a record out of reach is a 404."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def _guard(kind: str, signin_endpoint: str, *, api: bool = False):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if api:
                    abort(401)
                return redirect(url_for(signin_endpoint, next=request.full_path.rstrip("?")))
            if current_user.kind != kind:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = kind  # read by the access-control tests, which check every route has a guard
        return wrapped

    return decorator


def participant_required(view):
    return _guard("participant", "auth.signin")(view)


def staff_required(view):
    return _guard("staff", "auth.staff_signin")(view)


def participant_api(view):
    return _guard("participant", "auth.signin", api=True)(view)


def public(view):
    """Marks a view that anyone may open (sign-in pages, health check)."""
    view.access = "public"
    return view
