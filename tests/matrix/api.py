"""Who may reach each API route: every credential kind and account state, rows derived from the declarations.

Two tables from one definition: ``ROUTES`` (the browser session roles every matrix module
uses, checked by tests/test_route_matrix.py) and ``API_ROUTES`` (bearer credentials: none,
bad, revoked or expired keys, a pending person's token, a suspended owner's key, the owner,
another approved person and an administrator; checked by tests/test_api_matrix.py).

The owner's other credentials are answered as the owner's key is, by rule (``as_owner``):
a read-only key reads and is refused every write (403), a cookie session without its CSRF
token reads and is refused every write (400), and the bearer token a Google ID token is
exchanged for acts exactly as the key does.
"""

import json
from dataclasses import dataclass, field

from tests.declared import sample_body
from webapp.api.resources import ResourceApi
from webapp.resources.registry import discover

from . import NOT_APPROVED, REDIRECT, ROLES, Route, outcomes, with_staff
from .world import declared_rows as rows

API_ROLES = (
    "no_credential",
    "bad_key",
    "revoked_key",
    "expired_key",
    "pending",
    "suspended",
    "other_user",
    "user",
    "approver",
    "auditor",
    "admin",
)
REFUSED = {"no_credential": 401, "bad_key": 401, "revoked_key": 401, "expired_key": 401}
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class ApiRoute:
    """One API operation, how to call it, and what each credential gets."""

    method: str
    endpoint: str
    expect: dict
    args: object = field(default=lambda world: {})
    body: object = None

    def __str__(self):
        return f"{self.method} {self.endpoint}"


def _tables(audience, approved):
    """(API roles, session roles) answers for an audience; ``approved`` gives user, other_user and admin."""
    if audience == "public":
        return {role: approved for role in API_ROLES}, {role: approved for role in ROLES}
    waiting = 200 if audience == "signed_in" else 403
    api = {**REFUSED, "pending": waiting, "suspended": 401, **approved}
    session = {"anonymous": 401, "pending": waiting, "rejected": waiting, "suspended": waiting, **approved}
    return api, session


ROUTES, API_ROUTES = [], []


# Credentials of the world's user besides a read-write key (see ``as_owner``).
OWNER_CREDENTIALS = ("read_key", "session_no_csrf", "user_token")
READING = frozenset({"GET"})


def as_owner(method, audience, api):
    """The answers of the owner's other credentials, derived from the owner's key's answer."""
    owner = api["user"]
    if audience == "public" or method in READING:
        return {kind: owner for kind in OWNER_CREDENTIALS}
    # Refused before the route's own rules: a read-only key (403), a cookie without its CSRF token (400).
    return {"read_key": 403, "session_no_csrf": 400, "user_token": owner}


def api_route(method, endpoint, audience, approved, args=lambda w: {}, body=None, api_overrides=None):
    """One API route's row for bearer credentials (the owner's other credentials derived by ``as_owner``)."""
    api = with_staff(_tables(audience, approved)[0])
    api.update(api_overrides or {})
    api.update(as_owner(method, audience, api))
    return ApiRoute(method, f"api.{endpoint}", api, args=args, body=body)


def session_expectations(audience, approved):
    """What each browser session role (cookie and CSRF token, as the app's own pages call) gets."""
    return outcomes(_tables(audience, approved)[1])


def add(method, endpoint, audience, approved, args=lambda w: {}, body=None, api_overrides=None, session_overrides=None):
    """Declare one API route for both tables; the overrides replace single roles' answers in one of them."""
    session = _tables(audience, approved)[1]
    session.update(session_overrides or {})
    data = (lambda w: json.dumps(body(w))) if body else None
    ROUTES.append(Route(method, f"api.{endpoint}", outcomes(session), args=args, data=data, headers=JSON))
    API_ROUTES.append(api_route(method, endpoint, audience, approved, args, body, api_overrides))


def every(status):
    return {"user": status, "other_user": status, "admin": status}


OWNER = {"user": 200, "other_user": 404, "admin": 404}
# The approval queue's operations admit approvers as its page does; the account operations are the administrators'.
QUEUE = {"user": 403, "other_user": 403, "approver": 200, "auditor": 403, "admin": 200}
ADMINS = {"user": 403, "other_user": 403, "admin": 200}
# The approver (asked before the administrator) decides the world's one request; the administrator then gets 409.
DECIDE = {**QUEUE, "admin": 409}


def resource_routes(resource, rows=rows, body=None):
    """(method, endpoint, approved answers, args, body) for each operation of one declared resource's API.

    Owners reach their rows, everyone else gets 404. ``rows(world)`` gives the world's row id
    of each resource; ``body(world)`` a valid body for a new row (by default the declaration's sample).
    """
    root = resource.parent is None
    collection = (lambda w: {}) if root else (lambda w: {"parent_id": rows(w)[resource.parent.resource.name]})
    member = lambda w: {"record_id": rows(w)[resource.name]}  # noqa: E731
    body = body or (lambda w: sample_body(resource))
    kinds = {
        "index": ("GET", collection, every(200) if root else OWNER, None),
        "create": ("POST", collection, every(201) if root else {**OWNER, "user": 201}, body),
        "show": ("GET", member, OWNER, None),
        "update": ("PATCH", member, OWNER, body),
        "delete": ("DELETE", member, OWNER, None),
        "reorder": ("PUT", collection, OWNER, lambda w: {"ids": [rows(w)[resource.name]]}),
        "move": ("POST", member, OWNER, lambda w: {"direction": "down"}),
    }
    for _, endpoint, _, _ in ResourceApi(resource).routes():
        method, args, approved, make_body = kinds[endpoint.rpartition("_")[2]]
        yield method, endpoint, approved, args, make_body


for _resource in discover():
    for _method, _endpoint, _approved, _args, _body in resource_routes(_resource):
        add(_method, _endpoint, "approved", _approved, args=_args, body=_body)

add("GET", "status", "public", 200)
add("GET", "openapi_document", "public", 200)
add("GET", "docs", "public", 200)
# Google is not configured in the matrix app: the exchange is not offered.
add("POST", "google_token", "public", 404, body=lambda w: {"id_token": "x"})
add("GET", "me", "signed_in", every(200))
# Everyone with an account already asked, is approved, in the cooldown or suspended: each gets the rule's answer.
add(
    "POST",
    "request_access",
    "signed_in",
    every(409),
    body=lambda w: {"reason": "I need to see the project specifications."},
    api_overrides={"pending": 409},
    session_overrides={"pending": 409, "rejected": 409, "suspended": 403},
)
add("GET", "get_settings", "approved", every(200))
add("PUT", "put_settings", "approved", every(200), body=lambda w: {"theme": "dark"})
add("POST", "reset_settings", "approved", every(200))
add("GET", "access_requests", "approved", QUEUE)
add(
    "POST", "approve_request", "approved", DECIDE, args=lambda w: {"request_id": w.access_request.id}, body=lambda w: {}
)
add("POST", "reject_request", "approved", DECIDE, args=lambda w: {"request_id": w.access_request.id}, body=lambda w: {})
add("GET", "users", "approved", ADMINS)
add("POST", "suspend_user", "approved", ADMINS, args=lambda w: {"user_id": w.other_user.id}, body=lambda w: {})
add("POST", "reinstate_user", "approved", ADMINS, args=lambda w: {"user_id": w.suspended.id})
add("POST", "make_admin", "approved", ADMINS, args=lambda w: {"user_id": w.user.id})
# The only administrator may not give up the role.
add("POST", "revoke_admin", "approved", {**ADMINS, "admin": 409}, args=lambda w: {"user_id": w.admin.id})


def _own_key(w):
    """A key of the world's user (made once per world), for the settings page's revoke button."""
    if not hasattr(w, "page_key_id"):
        from webapp.services import credentials

        w.page_key_id = credentials.create_key(w.user, "Matrix", "read", "30").key.id
    return {"key_id": w.page_key_id}


ROUTES += [
    Route(
        "POST",
        "api_keys.create",
        outcomes(NOT_APPROVED, **every(200)),
        data=lambda w: {"name": "Matrix", "scope": "read", "expires_in": "30"},
    ),
    Route("POST", "api_keys.revoke", outcomes(NOT_APPROVED, user=REDIRECT, other_user=404, admin=404), args=_own_key),
]
