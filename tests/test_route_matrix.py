"""Every route x every role: the gate and the views answer as the matrix says (tests/matrix/)."""

import importlib
import pkgutil

import pytest
from flask import url_for

import tests.matrix as matrix
from tests.matrix import LOGIN, REDIRECT, ROLES, STATUS
from tests.matrix.world import build_world
from tests.plugins.accounts import SignIn
from webapp.admin.base import WRITE_FORMS

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def declared_routes():
    routes = []
    for module_info in pkgutil.iter_modules(matrix.__path__):
        if module_info.name == "world":
            continue
        routes.extend(importlib.import_module(f"tests.matrix.{module_info.name}").ROUTES)
    return routes


ROUTES = declared_routes()


def app_routes(app):
    """(method, endpoint) for every route the app serves, except static files and Flask-Admin's."""
    admin_blueprints = app.extensions["admin_blueprints"]
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.rpartition(".")[0] in admin_blueprints:
            continue
        for method in rule.methods - IGNORED_METHODS:
            found.add((method, rule.endpoint))
    return found


def test_every_route_has_an_expectation(app):
    declared = {route.key for route in ROUTES}
    missing = sorted(app_routes(app) - declared)
    assert missing == [], f"add these routes to a module in tests/matrix/: {missing}"
    stale = sorted(declared - app_routes(app))
    assert stale == [], f"these routes in tests/matrix/ no longer exist: {stale}"


def test_no_route_is_declared_twice():
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys))


# Values for the URL arguments Flask-Admin's routes take.
BACK_OFFICE_ARGUMENTS = {"export_type": "csv"}


def back_office_urls(app):
    """(rule, url) for every Flask-Admin route but static files, arguments filled in."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.rpartition(".")[0] not in app.extensions["admin_blueprints"] or rule.endpoint.endswith(
            ".static"
        ):
            continue
        if set(rule.arguments) - set(BACK_OFFICE_ARGUMENTS):
            continue
        with app.test_request_context():
            yield rule, url_for(rule.endpoint, **{name: BACK_OFFICE_ARGUMENTS[name] for name in rule.arguments})


def _request(app, client, route, world):
    with app.test_request_context():
        url = url_for(route.endpoint, **route.args(world))
    data = route.data(world) if route.data else None
    return client.open(url, method=route.method, data=data, headers=route.headers)


def _check(response, expected, role, route):
    where = f"{route} as {role}"
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and "/auth/login" in location, f"{where}: {response.status_code} {location}"
    elif expected == STATUS:
        assert response.status_code == 302 and location.endswith("/access/"), (
            f"{where}: {response.status_code} {location}"
        )
    elif expected == REDIRECT:
        assert response.status_code in (302, 303) and "/auth/login" not in location, (
            f"{where}: {response.status_code} {location}"
        )
    else:
        assert response.status_code == expected, f"{where}: {response.status_code} {location}"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_each_role_as_declared(app, route):
    world = build_world()
    # The admin goes last: their POSTs may change the records the others were asked about.
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            SignIn(client).as_user(getattr(world, role))
        _check(_request(app, client, route, world), route.expect[role], role, route)


@pytest.mark.parametrize("role", [role for role in ROLES if role not in ("admin", "approver", "auditor")])
def test_back_office_is_closed_to_everyone_but_staff(app, role):
    world = build_world()
    client = app.test_client()
    if role != "anonymous":
        SignIn(client).as_user(getattr(world, role))
    expected = {"anonymous": LOGIN, "pending": STATUS, "rejected": STATUS, "suspended": STATUS}.get(role, 403)
    for rule, url in back_office_urls(app):
        for method in sorted(rule.methods - IGNORED_METHODS):
            response = client.open(url, method=method, buffered=True)
            route = matrix.Route(method, rule.endpoint, {})
            _check(response, expected, role, route)


def test_back_office_opens_for_admins(app):
    world = build_world()
    client = app.test_client()
    SignIn(client).as_user(world.admin)
    for rule, url in back_office_urls(app):
        # A picker lookup needs the name of one of its view's relations; the admin tests query each one.
        if "GET" in rule.methods and not rule.endpoint.endswith(".ajax_lookup"):
            response = client.get(url, buffered=True)
            assert response.status_code < 400 and "/auth/login" not in response.headers.get("Location", ""), url


def _staff_client(app, role):
    world = build_world()
    client = app.test_client()
    SignIn(client).as_user(getattr(world, role))
    return client


def test_auditors_read_the_back_office_and_every_change_is_403(app):
    client = _staff_client(app, "auditor")
    for rule, url in back_office_urls(app):
        name = rule.endpoint.rpartition(".")[2]
        for method in sorted(rule.methods - IGNORED_METHODS):
            response = client.open(url, method=method, buffered=True)
            where = f"{method} {url}"
            if method == "GET" and name not in WRITE_FORMS:
                assert response.status_code not in (401, 403) and response.status_code < 500, where
                assert "/auth/login" not in response.headers.get("Location", ""), where
            else:
                assert response.status_code == 403, f"{where}: {response.status_code}"


APPROVER_PAGES = {f"admin_access_request.{name}" for name in ("index_view", "details_view", "export", "ajax_lookup")}


def test_approvers_reach_the_access_requests_and_nothing_else_of_the_back_office(app):
    client = _staff_client(app, "approver")
    for rule, url in back_office_urls(app):
        for method in sorted(rule.methods - IGNORED_METHODS):
            response = client.open(url, method=method, buffered=True)
            where = f"{method} {url}: {response.status_code}"
            if rule.endpoint == "admin.index":
                assert response.status_code == 302 and response.location.endswith("/admin/access-requests/"), where
            elif method == "GET" and rule.endpoint in APPROVER_PAGES:
                assert response.status_code not in (401, 403) and response.status_code < 500, where
            elif rule.endpoint == "admin_access_request.decide":
                assert response.status_code == 400, where  # admitted; the form named no decision
            else:
                assert response.status_code == 403, where
