"""Every API route for every credential: none, bad, revoked or expired keys, pending, suspended, owner, others, admin.

The owner's other credentials (a read-only key, a cookie session without its CSRF token, the
bearer token a Google ID token is exchanged for) are asked too, answered as tests/matrix/api.py derives.
"""

import pytest
from flask import url_for

from tests.matrix.api import API_ROLES, API_ROUTES
from tests.matrix.world import build_world
from tests.plugins.accounts import SignIn
from tests.plugins.api import ApiCaller, expired_key, make_key
from webapp.services import credentials

# Asked first, in the same world as the others: they only read or are refused, so they change nothing.
UNCHANGING = ("read_key", "session_no_csrf")
# The admin comes last: their writes may change the records the others were asked about.
ROLES = API_ROLES


def callers_for(app, world):
    """A caller for each credential kind (an ApiCaller sends no CSRF token)."""
    secrets = {
        "no_credential": None,
        "bad_key": "hdk_deadbeef_" + "x" * 43,
        "revoked_key": make_key(world.user, revoked=True),
        "expired_key": expired_key(world.user),
        "pending": credentials.issue_token(world.pending, app.secret_key),
        "suspended": make_key(world.suspended),
        "other_user": make_key(world.other_user),
        "approver": make_key(world.approver),
        "auditor": make_key(world.auditor),
        "user": make_key(world.user),
        "admin": make_key(world.admin),
        "read_key": make_key(world.user, scope="read"),
        "user_token": credentials.issue_token(world.user, app.secret_key),
    }
    callers = {role: ApiCaller(app.test_client(), secret) for role, secret in secrets.items()}
    signed_in = app.test_client()
    SignIn(signed_in).as_user(world.user)
    callers["session_no_csrf"] = ApiCaller(signed_in)
    return callers


def ask(app, route, world, callers, roles):
    """Call ``route`` with each role's credential in turn; fail on the first answer the matrix does not declare."""
    for role in roles:
        with app.test_request_context():
            url = url_for(route.endpoint, **route.args(world))
        body = route.body(world) if route.body else None
        response = callers[role].open(route.method, url, json=body)
        assert response.status_code == route.expect[role], f"{route} as {role}: {response.get_data(as_text=True)}"
        if role == "session_no_csrf" and response.status_code == 400:
            # Refused for the missing token, not for some other bad request.
            assert "not sent from this site" in response.get_json()["error"]["message"]


def test_every_api_route_has_a_row(app):
    served = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {(route.method, route.endpoint) for route in API_ROUTES} == served


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_api_route_answers_each_credential_as_declared(app, route):
    world = build_world()
    ask(app, route, world, callers_for(app, world), UNCHANGING + ROLES)


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_the_token_from_a_google_sign_in_acts_as_its_owners_key(app, route):
    # A world of its own: the token's writes (a delete, say) must meet the rows the owner's key met.
    world = build_world()
    ask(app, route, world, callers_for(app, world), ("user_token",))
