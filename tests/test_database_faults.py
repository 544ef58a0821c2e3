"""Database faults: a refused or silent database is a 503 within seconds, never a 500 or a hang; races are 409s."""

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.conftest import app_overrides
from tests.fakes.relay import Relay
from tests.plugins.accounts import SignIn
from tests.plugins.api import bearer, make_key
from webapp import create_app
from webapp.auth.session import session_value_for
from webapp.breaker import BREAKER, COOL_OFF
from webapp.extensions import db
from webapp.models import BulletItem

HX = {"HX-Request": "true"}


@pytest.fixture
def unreachable_app(tmp_path):
    """The app on a PostgreSQL address where nothing listens, with a signed-in session (its user must be loaded)."""
    app = create_app(app_overrides("postgresql://postgres@127.0.0.1:1/hyperdesk", UPLOAD_FOLDER=str(tmp_path)))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "t" * 43  # shaped like a session token, so the database is asked
    return app, client


def test_a_page_is_a_503_page_when_the_database_refuses(unreachable_app):
    app, client = unreachable_app
    response = client.get("/projects/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "<html" in page and "The database is not answering" in page and "Traceback" not in page


def test_an_htmx_request_gets_a_fragment_and_a_toast_when_the_database_refuses(unreachable_app):
    app, client = unreachable_app
    response = client.get("/projects/", headers=HX)
    assert response.status_code == 503
    assert "<html" not in response.get_data(as_text=True)
    assert "The database is not answering" in response.headers["HX-Trigger"]


def test_an_api_request_gets_json_when_the_database_refuses(unreachable_app):
    app, client = unreachable_app
    response = client.get("/api/v1/projects")
    assert response.status_code == 503
    assert response.is_json and "The database is not answering" in response.get_data(as_text=True)


@pytest.fixture
def relay(database_url):
    """A relay in front of the test's PostgreSQL server (a network fault needs a network database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a network fault needs a network database")
    relay = Relay(url.port or 5432).open()
    yield relay
    BREAKER.answered()  # the breaker is per process: leave it closed for the next test
    relay.close()


@pytest.fixture
def relayed_app(database_url, relay, tmp_path):
    """Makes the app reaching PostgreSQL through ``relay``, with ``overrides``."""
    made = []

    def make_app(**overrides):
        url = make_url(database_url).set(host="127.0.0.1", port=relay.port)
        config = {"UPLOAD_FOLDER": str(tmp_path), "DB_QUERY_TIMEOUT": 1, "DB_CONNECT_TIMEOUT": 1, **overrides}
        made.append(create_app(app_overrides(url.render_as_string(hide_password=False), **config)))
        return made[-1]

    yield make_app
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def relayed(relayed_app, relay):
    """The app reaching PostgreSQL through a relay that can go silent, as a frozen host or hung network does."""
    return relayed_app(), relay


def test_a_frozen_database_is_a_503_within_seconds_and_recovers_without_a_restart(relayed, make, approved_user):
    app, relay = relayed
    client = app.test_client()
    SignIn(client).as_user(approved_user)
    assert client.get("/projects/").status_code == 200
    relay.silence()
    started = time.monotonic()
    response = client.get("/projects/")
    assert response.status_code == 503
    assert time.monotonic() - started < 4  # one round trip (1 s) and one reconnect (1 s), with margin
    assert app.test_client().get("/health").status_code == 200
    relay.resume()
    time.sleep(COOL_OFF)
    assert client.get("/projects/").status_code == 200  # the stale connection was discarded, a new one works


def test_once_the_database_is_found_frozen_other_requests_fail_at_once(relayed, approved_user):
    app, relay = relayed
    client = app.test_client()
    SignIn(client).as_user(approved_user)
    assert client.get("/projects/").status_code == 200
    relay.silence()
    assert client.get("/projects/").status_code == 503
    started = time.monotonic()
    assert client.get("/projects/").status_code == 503
    assert time.monotonic() - started < 0.5


def test_readiness_says_503_within_two_seconds_when_the_database_is_frozen(relayed):
    app, relay = relayed
    assert app.test_client().get("/health/db").status_code == 200
    relay.silence()
    started = time.monotonic()
    response = app.test_client().get("/health/db")
    assert response.status_code == 503
    assert time.monotonic() - started < 2.5


def test_a_request_whose_database_freezes_after_its_queries_still_ends_within_the_limit(relayed, approved_user):
    # Returning the connection to the pool rolls its transaction back, a round trip made after the
    # request's own teardown: unbounded, it held the worker thread until the database came back.
    app, relay = relayed
    freeze = threading.Event()
    app.after_request(lambda response: (freeze.is_set() and relay.silence()) or response)
    client = app.test_client()
    SignIn(client).as_user(approved_user)
    assert client.get("/projects/").status_code == 200
    freeze.set()
    answered = []
    request = threading.Thread(target=lambda: answered.append(client.get("/projects/").status_code), daemon=True)
    started = time.monotonic()
    request.start()
    request.join(5)
    took = time.monotonic() - started
    relay.resume()  # frees a thread still waiting, so the test ends either way
    request.join(5)
    assert answered == [200]  # the page was made before the freeze
    assert took < 3  # the rollback's round trip (1 s), with margin


PING = b"SELECT 1"  # what psycopg2 sends to check a connection (SQLAlchemy's ping)


@pytest.mark.parametrize(
    ("ping_after_idle", "pinged"), [(60, False), (0, True)], ids=["back moments ago: no ping", "sat idle: pinged"]
)
def test_a_pooled_connection_is_pinged_only_once_it_has_sat_idle(
    relayed_app, relay, approved_user, ping_after_idle, pinged
):
    client = relayed_app(DB_PING_AFTER_IDLE=ping_after_idle).test_client()
    SignIn(client).as_user(approved_user)
    assert client.get("/projects/").status_code == 200
    relay.sent.clear()
    assert client.get("/projects/").status_code == 200
    assert (PING in relay.sent) is pinged


@pytest.mark.parametrize("ping_after_idle", [0, 60], ids=["idle, so pinged", "busy, so not pinged"])
def test_after_the_database_dropped_its_connections_the_next_request_works(
    relayed_app, relay, approved_user, ping_after_idle
):
    app = relayed_app(DB_PING_AFTER_IDLE=ping_after_idle)
    client, key = app.test_client(), bearer(make_key(approved_user))
    SignIn(client).as_user(approved_user)
    assert client.get("/projects/").status_code == 200
    assert app.test_client().get("/api/v1/projects", headers=key).status_code == 200
    relay.drop_connections()  # as a database restart does
    assert client.get("/projects/").status_code == 200
    relay.drop_connections()
    assert app.test_client().get("/api/v1/projects", headers=key).status_code == 200


@pytest.fixture
def items(make, approved_user):
    """A specification of Alice's with eight items."""
    specification = make.specification(make.project(approved_user))
    make.bullet_items(specification, *"abcdefgh")
    return [item.id for item in specification.items]


def test_moves_and_deletes_of_the_same_items_at_once_are_conflicts_not_errors(app, approved_user, items):
    # Issue 18: simultaneous moves and deletes of items in one list answered 500.
    statuses, start, user_key = [], threading.Barrier(8), session_value_for(approved_user)

    def act(item_id, action):
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user_key
            start.wait()
            data = {"direction": "down"} if action == "move" else {}
            statuses.append(client.post(f"/items/{item_id}/{action}", data=data, headers=HX).status_code)

    jobs = [(item_id, action) for item_id in items[:4] for action in ("move", "delete")]
    threads = [threading.Thread(target=act, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(statuses) == 8 and all(status in (200, 404, 409) for status in statuses), statuses
    positions = db.session.scalars(select(BulletItem.position).order_by(BulletItem.position)).all()
    assert positions == list(range(len(positions)))
