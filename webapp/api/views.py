"""The JSON API at /api/v1: the current person, status, settings, Google sign-in for apps, the OpenAPI document and docs.

Built per app (``init_api``), after the declared resources are registered, since every
declared resource adds its own routes (webapp/api/resources.py).
"""

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..auth import google
from ..auth.session import record_sign_in_failure
from ..exceptions import DomainError
from ..extensions import csrf, db, limiter
from ..permissions import public, signed_in
from ..services import credentials, settings
from ..services.accounts import RegistrationClosed, SignInPolicy, SignInRefused, sign_in
from . import body, lists, openapi, people, resources
from .credentials import ApiGate, not_approved, rate_limit_key
from .envelope import echoed_name, failure, success, timestamp
from .spec import BOOLEAN, DATE_TIME, ID, STRING, document, nullable, obj

SETTINGS = obj(
    {
        "page_size": {"enum": list(settings.PAGE_SIZES)},
        "theme": {"enum": list(settings.THEMES)},
        "time_zone": {
            "enum": list(settings.time_zones()),
            "description": "The IANA time zone dates and times are read and typed in, e.g. Europe/Paris (default UTC).",
        },
    }
)
TOKEN = obj({"access_token": STRING, "token_type": {"const": "Bearer"}, "expires_in": ID, "user": people.USER})
CREDENTIAL = obj({"credential": {"enum": ["key", "token", "session"]}, "can_write": BOOLEAN})
# The audit log's method for a sign-in by a Google ID token sent to the API (the browser's is "google").
ID_TOKEN_SIGN_IN = "google_id_token"
STATUS = obj({"version": STRING, "database": BOOLEAN, "migration": nullable(STRING), "time": DATE_TIME})


@signed_in
@document("The current account", "Accounts", people.USER, meta=CREDENTIAL)
def me():
    """Who the credential acts for, in any account state (a pending person sees that they wait)."""
    credential = g.api_credential
    return success(
        people.user_json(current_user), meta={"credential": credential.kind, "can_write": credential.can_write}
    )


@public
@document("Service status", "Service", STATUS, public=True)
def status():
    """The version, whether the database answers, and the migration it is at."""
    try:
        migration = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        reachable = True
    except SQLAlchemyError:
        db.session.rollback()
        migration, reachable = None, False
    version = current_app.config["VERSION"]
    return success({"version": version, "database": reachable, "migration": migration, "time": timestamp()})


@document("Your preferences", "Settings", SETTINGS)
def get_settings():
    """Rows per page, theme and time zone, defaults filled in."""
    return success(settings.preferences(current_user))


@document(
    "Change your preferences",
    "Settings",
    SETTINGS,
    body=obj(SETTINGS["properties"], [], additionalProperties=False),
    errors=(413, 415, 422),
)
def put_settings():
    """Store the page size, theme and time zone; a member left out keeps its value, and nothing changes on a 422."""
    payload = body.json_object()
    chosen = {**settings.preferences(current_user), **payload}
    unknown = sorted(set(payload) - set(settings.DEFAULTS))
    errors = {echoed_name(name): "This setting does not exist." for name in unknown}
    try:
        settings.validate(str(chosen["page_size"]), chosen["theme"])
    except settings.InvalidSettings as invalid:
        errors.update(invalid.errors)
    if type(chosen["page_size"]) is not int:
        # The pages' form sends text ("50"); a JSON client sends the number itself, as the document types it.
        errors["page_size"] = f"Send the page size as a number: one of {', '.join(map(str, settings.PAGE_SIZES))}."
    zone = chosen["time_zone"]
    if not isinstance(zone, str) or zone not in settings.time_zones():
        errors["time_zone"] = "Use an IANA time zone name, for example Europe/Paris or America/New_York."
    if errors:
        raise settings.InvalidSettings(errors)
    # Every value is checked above, so the two stores below cannot leave half a change.
    settings.update(current_user, str(chosen["page_size"]), chosen["theme"])
    return success(settings.set_time_zone(current_user, zone))


@document(
    "Reset your preferences",
    "Settings",
    SETTINGS,
    body=people.NOTHING,
    body_required=False,
    errors=(413, 415, 422),
)
def reset_settings():
    """Go back to the default page size, theme and time zone (the body, if any, is an empty object)."""
    body.action_members()
    return success(settings.reset(current_user))


def _sign_in_limit():
    return current_app.config["RATELIMIT_SIGN_IN"]


@public
@limiter.limit(_sign_in_limit)
@document(
    "Exchange a Google ID token for an API token",
    "Accounts",
    TOKEN,
    body=obj({"id_token": STRING}, additionalProperties=False),
    errors=(400, 401, 403, 404, 413, 415, 422, 429, 503),
    public=True,
)
def google_token():
    """For mobile and single-page apps: a Google ID token for this app becomes a 24-hour bearer token.

    The token is checked like the web sign-in (signature, issuer, audience, expiry, verified
    e-mail, hosted domain) and the same account rules apply: a newcomer's account is pending,
    answered 403 with its status, a token to ask for access with, and where to ask.
    """
    if not google.is_configured(current_app):
        raise DomainError("Google sign-in is not configured on this server.", status=404)
    id_token = body.text(body.only(body.json_object(), ["id_token"]), "id_token", required=True)
    try:
        identity = google.verify_id_token(id_token)
    except google.SignInFailed as failed:
        current_app.logger.warning("API Google sign-in refused: %s", failed.reason)
        record_sign_in_failure(failed.kind, ID_TOKEN_SIGN_IN, failed.email)
        # A bad token is 401; a genuine one refused by the rules (unverified e-mail, other domain) is 403.
        return failure({401: 401, 502: 503}.get(failed.status, 403), failed.message)
    try:
        user = sign_in(identity, SignInPolicy.from_config(current_app.config))
    except (SignInRefused, RegistrationClosed) as refused:
        db.session.rollback()
        reason = f"registration_{refused.mode}" if isinstance(refused, RegistrationClosed) else "account_refused"
        record_sign_in_failure(reason, ID_TOKEN_SIGN_IN, identity.email)
        raise
    if str(user.status) == "suspended":
        record_sign_in_failure("account_suspended", ID_TOKEN_SIGN_IN, user.email)
        return not_approved(user)
    token = credentials.grant_token(user, current_app.secret_key, ID_TOKEN_SIGN_IN)
    lifetime = int(credentials.TOKEN_LIFETIME.total_seconds())
    granted = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "user": people.user_json(user)}
    if user.is_approved:
        return success(granted)
    return not_approved(user, token=granted)


# The document is served bare (not in the envelope), as OpenAPI tools expect to read it.
OPENAPI = obj(
    {"openapi": STRING, "info": {"type": "object"}, "paths": {"type": "object"}},
    ["openapi", "info", "paths"],
    additionalProperties=True,
)


@public
@document("This OpenAPI document", "Service", OPENAPI, public=True, enveloped=False)
def openapi_document():
    """The OpenAPI 3.1 description of every operation, generated from the declarations."""
    return current_app.response_class(openapi.dumps(current_app), mimetype="application/json")


@public
def docs():
    """Interactive documentation (Swagger UI) for the API."""
    return render_template("api/docs.html", spec_url=url_for("api.openapi_document"))


ROUTES = [
    ("/v1/me", me, "GET"),
    ("/v1/status", status, "GET"),
    ("/v1/settings", get_settings, "GET"),
    ("/v1/settings", put_settings, "PUT"),
    ("/v1/settings/reset", reset_settings, "POST"),
    ("/v1/auth/google", google_token, "POST"),
    ("/v1/openapi.json", openapi_document, "GET"),
    ("/docs", docs, "GET"),
    *people.ROUTES,
]


def _refused_limit():
    return current_app.config["RATELIMIT_API_REFUSED"]


def _api_limit():
    return current_app.config["RATELIMIT_API"]


def _refused_key():
    return "refused:" + (request.remote_addr or "unknown")


def _refused(response):
    return response.status_code == 401


def _documented_parameters_only():
    """Operations that document query parameters take those only, each once; the others ignore the query string."""
    facts = getattr(current_app.view_functions.get(request.endpoint), "openapi", None)
    if facts is not None and facts.query and not facts.checks_own_query:
        lists.refuse_unreadable_parameters(request.args, [param["name"] for param in facts.query])


def init_api(app):
    """Serve the API under /api: its routes, its credentials at the gate, its rate limits, no cookie CSRF for bearers."""
    bp = Blueprint("api", __name__)
    for rule, view, method in ROUTES:
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
    resources.register(bp, app.extensions["resources"])
    bp.before_request(_documented_parameters_only)
    # CSRF is checked by the gate for cookie-authenticated calls only (webapp/api/credentials.py).
    csrf.exempt(bp)
    limiter.limit(_api_limit, key_func=rate_limit_key)(bp)
    limiter.limit(_refused_limit, key_func=_refused_key, deduct_when=_refused)(bp)
    app.register_blueprint(bp, url_prefix="/api")
    app.extensions.setdefault("machine_gates", {})[bp.name] = ApiGate()
