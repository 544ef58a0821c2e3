"""The navigation's pending-request count: kept per worker for a bounded time, forgotten at this worker's own changes."""

import pytest
from sqlalchemy import text

from webapp.extensions import db
from webapp.models import AccessRequest
from webapp.services import access
from webapp.services.mail import Mailer
from webapp.services.pending_requests import MAX_AGE, PendingCount

REASON = "I coordinate the warehouse move and need the specifications."


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def counter(clock):
    return PendingCount(clock=clock)


def insert_request_elsewhere(user):
    """A request written the way another worker's commit looks to this one: no ORM event here."""
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO access_request (user_id, reason, status, created_at) VALUES (:u, :r, 'pending', :t)"),
            {"u": user.id, "r": REASON, "t": "2026-01-01 00:00:00"},
        )


def test_the_count_is_kept_until_its_bound(make, counter, clock):
    person = make.user(email="p1@example.com", status="pending")
    assert counter.get() == 0
    insert_request_elsewhere(person)
    clock.now += MAX_AGE - 0.01
    assert counter.get() == 0  # still this worker's copy
    clock.now += 0.01
    assert counter.get() == 1  # the bound passed: read again


def test_a_request_asked_here_is_counted_at_once(make, counter, app):
    person = make.user(email="p2@example.com", status="pending")
    assert counter.get() == 0
    access.request_access(person, REASON, access.AccessPolicy(), Mailer.from_config(app.config))
    assert counter.get() == 1


def test_a_decision_here_is_counted_at_once(make, counter, app, admin):
    mail = Mailer.from_config(app.config)
    first = make.access_request(make.user(email="p3@example.com", status="pending"))
    make.access_request(make.user(email="p4@example.com", status="pending"))
    assert counter.get() == 2
    access.approve(first, admin, mail)  # a bulk UPDATE, not an ORM change of the row
    assert counter.get() == 1


def test_a_change_rolled_back_keeps_the_count(make, counter, clock):
    person = make.user(email="p5@example.com", status="pending")
    another = make.user(email="p6@example.com", status="pending")
    assert counter.get() == 0
    insert_request_elsewhere(person)
    db.session.add(AccessRequest(user=another, reason=REASON))
    db.session.flush()
    db.session.rollback()
    assert counter.get() == 0  # nothing committed here: the kept copy stands until its bound


def test_the_navigation_shows_the_new_count_after_a_decision(client, sign_in, admin, make):
    waiting = [make.access_request(make.user(email=f"w{n}@example.com", status="pending")) for n in range(2)]
    sign_in.as_user(admin)
    assert 'title="Pending access requests">2</span>' in client.get("/").get_data(as_text=True)
    response = client.post(f"/access/queue/{waiting[0].id}/approve", data={"note": ""})
    assert response.status_code in (200, 302, 303)
    assert 'title="Pending access requests">1</span>' in client.get("/").get_data(as_text=True)
