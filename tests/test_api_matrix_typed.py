"""The route x credential matrix for declared resources with typed fields: dates, numbers, a relation, a file.

The rows come from the declarations (tests/matrix/api.py's ``resource_routes``), as for the
app's own resources; the bodies fill every typed field, the relation naming the owner's row.
Bearer credentials and browser sessions (with their CSRF token) are both asked.
"""

from datetime import date

import pytest
from flask import url_for

from tests.api_typed import app  # noqa: F401  (jobs and customers get their API)
from tests.declared import make_row, sample_body
from tests.matrix import ROLES as SESSION_ROLES
from tests.matrix.api import api_route, resource_routes, session_expectations
from tests.matrix.world import build_world
from tests.plugins.accounts import SignIn
from tests.test_api_matrix import ROLES, UNCHANGING, ask, callers_for
from tests.typed_models import CUSTOMERS, JOBS
from webapp.api.resources import ResourceApi
from webapp.resources.relations import RelationField
from webapp.resources.typed import BooleanField, DateField, DateTimeField, DecimalField, IntegerField

TYPED = (CUSTOMERS, JOBS)


def typed_rows(world):
    """{resource name: id} of one customer and one job of the world's user."""
    if not hasattr(world, "typed_rows"):
        world.typed_rows = {resource.name: make_row(resource, world.user).id for resource in TYPED}
    return world.typed_rows


def typed_value(form_field, world):
    """A valid JSON value of a typed field (None for the others: the declaration's sample stands)."""
    if isinstance(form_field, RelationField):
        return typed_rows(world)[form_field.to.name]
    if isinstance(form_field, DateTimeField):
        return "2027-03-31T09:00"
    if isinstance(form_field, DateField):
        return date(2027, 3, 31).isoformat()
    if isinstance(form_field, DecimalField | IntegerField):
        return form_field.max if isinstance(form_field, IntegerField) else str(form_field.max)
    if isinstance(form_field, BooleanField):
        return True
    return None


def typed_body(resource):
    def body(world):
        values = {f.name: typed_value(f, world) for f in resource.fields}
        return {**sample_body(resource), **{name: value for name, value in values.items() if value is not None}}

    return body


def relates(resource):
    return any(isinstance(f, RelationField) for f in resource.fields)


def typed_routes():
    for resource in TYPED:
        for method, endpoint, approved, args, body in resource_routes(resource, typed_rows, typed_body(resource)):
            if endpoint.endswith("_create") and relates(resource):
                # Everyone but the owner names a row they may not choose: the relation is refused.
                approved = {**approved, "other_user": 422, "admin": 422}
            yield (
                api_route(method, endpoint, "approved", approved, args, body),
                session_expectations("approved", approved),
            )


TYPED_ROUTES = [route for route, _ in typed_routes()]
SESSION_EXPECTATIONS = {str(route): expect for route, expect in typed_routes()}


def test_every_typed_operation_has_a_row(app):
    endpoints = {f"api.{endpoint}" for resource in TYPED for _, endpoint, _, _ in ResourceApi(resource).routes()}
    served = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint in endpoints}
    assert {route.endpoint for route in TYPED_ROUTES} == served == endpoints


@pytest.mark.parametrize("route", TYPED_ROUTES, ids=str)
def test_typed_route_answers_each_credential_as_declared(app, route):
    world = build_world()
    ask(app, route, world, callers_for(app, world), UNCHANGING + ROLES)


@pytest.mark.parametrize("route", TYPED_ROUTES, ids=str)
def test_typed_route_answers_the_owners_token_as_their_key(app, route):
    world = build_world()
    ask(app, route, world, callers_for(app, world), ("user_token",))


@pytest.mark.parametrize("route", TYPED_ROUTES, ids=str)
def test_typed_route_answers_each_browser_session_as_declared(app, route):
    world = build_world()
    expect = SESSION_EXPECTATIONS[str(route)]
    for role in SESSION_ROLES:
        client = app.test_client()  # sends the CSRF token on writes, as the app's own pages do
        if role != "anonymous":
            SignIn(client).as_user(getattr(world, role))
        with app.test_request_context():
            url = url_for(route.endpoint, **route.args(world))
        body = route.body(world) if route.body else None
        response = client.open(url, method=route.method, json=body)
        assert response.status_code == expect[role], f"{route} as {role}: {response.get_data(as_text=True)}"
