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
APPROVERS = "approvers"  # administrators and approvers: the approval queue
BACK_OFFICE = "back_office"  # Flask-Admin's pages: each view names the roles it admits
READING = ("GET", "HEAD", "OPTIONS")

_AUDIENCE_ATTR = "audience"


def _audience(level):
    def decorate(view):
        setattr(view, _AUDIENCE_ATTR, level)
        return view

    return decorate


public = _audience(PUBLIC)
signed_in = _audience(SIGNED_IN)
admin_only = _audience(ADMIN)
approvers_only = _audience(APPROVERS)


def same_audience_as(endpoint):
    """For a view that must always admit exactly whom ``endpoint`` admits (an API twin of a page)."""
    return _audience(("same as", endpoint))


def audience_of(app, endpoint):
    """The audience a request to ``endpoint`` is meant for."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in app.extensions.get("admin_blueprints", ()):
        return BACK_OFFICE
    view = app.view_functions.get(endpoint)
    audience = getattr(view, _AUDIENCE_ATTR, APPROVED)
    if isinstance(audience, tuple):
        return audience_of(app, audience[1])
    return audience


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
    # Machine clients (the JSON API) send credentials and are answered with statuses, not redirects.
    machine = current_app.extensions.get("machine_gates", {}).get(request.blueprint)
    if machine is not None and (refused := machine.authenticate()) is not None:
        return refused
    if not current_user.is_authenticated:
        return machine.sign_in() if machine else _redirect(url_for("auth.login", next=_return_path()))
    if audience == SIGNED_IN:
        return None
    if not current_user.is_approved:
        return machine.not_approved() if machine else _redirect(url_for("access.status"))
    if audience == ADMIN and not current_user.is_admin:
        abort(403)
    if audience == APPROVERS and not current_user.can_decide_access:
        abort(403)
    if audience == BACK_OFFICE and not admits_to_back_office(current_user, request.blueprint, request.method):
        abort(403)
    return None


def admits_to_back_office(user, view_endpoint, method):
    """Whether ``user``'s role may use the back-office view ``view_endpoint`` with ``method``.

    Each view names the roles it admits (``app.extensions["back_office_roles"]``, from
    webapp/admin/); an auditor only ever reads. The view checks again, finer (its forms).
    """
    roles = current_app.extensions.get("back_office_roles", {}).get(view_endpoint, ("admin",))
    if not user.is_approved or str(user.role) not in roles:
        return False
    return method in READING if user.is_auditor else True
