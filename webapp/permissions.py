"""Who may reach which view: every endpoint is for approved users unless it says otherwise.

The gate runs before every request, so a view that forgets to declare its audience is
protected rather than exposed.
"""

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from .htmx import client_redirect, current_path, is_htmx

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any account, whatever its state (status page, sign-out)
APPROVED = "approved"  # the default
ADMIN = "admin"

_AUDIENCE_ATTR = "audience"


def _audience(level):
    def decorate(view):
        setattr(view, _AUDIENCE_ATTR, level)
        return view

    return decorate


public = _audience(PUBLIC)
signed_in = _audience(SIGNED_IN)
admin_only = _audience(ADMIN)


def audience_of(app, endpoint):
    """The audience a request to ``endpoint`` is meant for."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in app.extensions.get("admin_blueprints", ()):
        return ADMIN
    view = app.view_functions.get(endpoint)
    return getattr(view, _AUDIENCE_ATTR, APPROVED)


def _redirect(url):
    if is_htmx():
        # A 302 inside an htmx swap would paste a whole page into a fragment.
        return client_redirect(current_app.response_class(status=204), url)
    return redirect(url)


def _return_path():
    """Where to come back after signing in: the page the user was on, never a fragment URL."""
    if is_htmx():
        return current_path()
    if request.method != "GET":
        return None  # coming back would GET a URL that only accepts the form post
    return request.full_path.rstrip("?")


def enforce_audience():
    """Send each request where its user may go: sign-in, status page, 403 or through."""
    if request.endpoint is None:
        return None  # routing failed; the 404/405 handler answers
    audience = audience_of(current_app, request.endpoint)
    if audience == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _redirect(url_for("auth.login", next=_return_path()))
    if audience == SIGNED_IN:
        return None
    if not current_user.is_approved:
        return _redirect(url_for("access.status"))
    if audience == ADMIN and not current_user.is_admin:
        abort(403)
    return None
