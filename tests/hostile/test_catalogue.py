"""The hostile-input catalogue: no route answers bad input with a server error, a trace, or a half-done change.

Issue 16: a security review sent 835 hostile inputs to the running app and 101 checks failed
(NUL reaching PostgreSQL, malformed headers, Unicode digits, back-office ids and filters…).
This runs every route of the URL map (tests/hostile/probes.py) with hostile path arguments,
query parameters, form fields, JSON members, headers, content types and methods, as an
anonymous visitor, a pending newcomer, an approved user and an administrator, on SQLite and
PostgreSQL. For every answer (tests/hostile/checks.py):

- never a 5xx, never a stack trace;
- a refusal (4xx) has the shape of a plain bad request: JSON under /api, the error page for a
  page request, a fragment (no ``<html``) for a plain htmx request;
- a refusal stores nothing: no insert, update or delete is committed while it is answered.

Every failure is collected and listed at the end, so one run shows them all.
"""

import pytest
from flask import got_request_exception

from tests.conftest import empty_all_tables
from tests.matrix.world import build_world
from tests.plugins.accounts import SignIn
from webapp.extensions import db

from .checks import Writes, problems
from .probes import ROLES, Catalogue

SHOWN = 40


@pytest.fixture
def app_config(app_config):
    """Exceptions become the 500 page, as in production, so the catalogue sees every answer."""
    app_config["PROPAGATE_EXCEPTIONS"] = False
    return app_config


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_request_gets_a_server_error_a_trace_or_a_partial_change(app, role):
    empty_all_tables()
    world = build_world()
    client = app.test_client()
    if role != "anonymous":
        SignIn(client).as_user(getattr(world, role))
    raised = []

    def remember(sender, exception, **extra):
        raised.append(exception)

    failures, sent = [], 0
    got_request_exception.connect(remember, app)
    try:
        with Writes(db.engine) as writes:
            for probe in Catalogue(app, world, role, seed=db.engine.dialect.name).probes():
                raised.clear()
                writes.take()
                response = probe.send(client)
                sent += 1
                found = problems(probe, response, writes.take(), raised[0] if raised else None)
                failures.extend(f"{probe}: {problem}" for problem in found)
                db.session.rollback()
    finally:
        got_request_exception.disconnect(remember, app)
    listed = "\n".join(failures[:SHOWN]) + (f"\n… and {len(failures) - SHOWN} more" if len(failures) > SHOWN else "")
    assert not failures, f"{len(failures)} of {sent} hostile requests as {role} went wrong:\n{listed}"
    assert sent > 500, f"only {sent} requests: the catalogue no longer reaches the routes"
