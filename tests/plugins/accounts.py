"""Fixtures for people: factories bound to the test database and a sign-in helper."""

import pytest

from tests import factories
from webapp.auth.session import session_value_for


class SignIn:
    """Signs the test client in as a user: a live server-side session and Flask-Login's session keys."""

    def __init__(self, client):
        self.client = client

    def as_user(self, user):
        with self.client.session_transaction() as session:
            session["_user_id"] = session_value_for(user)
            session["_fresh"] = True
        return user

    def sign_out(self):
        with self.client.session_transaction() as session:
            session.clear()


@pytest.fixture
def sign_in(client):
    """``sign_in.as_user(user)`` makes the client's next requests come from ``user``."""
    return SignIn(client)


@pytest.fixture
def make(app):
    """The factories in tests/factories.py, committed to this test's database."""
    return factories


@pytest.fixture
def admin(make):
    """An approved administrator."""
    return make.user(email="admin@example.com", name="Ada Admin", role="admin", status="approved")


@pytest.fixture
def approved_user(make):
    """An approved ordinary user."""
    return make.user(email="alice@example.com", name="Alice", status="approved")


@pytest.fixture
def pending_user(make):
    """A newcomer waiting for a decision."""
    return make.user(email="newcomer@example.com", name="Nina", status="pending")
