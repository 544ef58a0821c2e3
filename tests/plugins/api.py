"""API test helpers: keys for people (in any state) and a caller sending one credential."""

from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import ApiKey, utcnow
from webapp.services import credentials


def make_key(user, scope="read_write", expires_at=None, revoked=False):
    """A key for ``user`` written straight to the database (any account state); returns the whole key."""
    secret = f"hdk_{user.id:08x}_{'k' * 20}{utcnow().timestamp()}"
    key = ApiKey(
        user=user,
        name=f"test key {user.id}",
        prefix=secret[:12],
        key_hash=credentials.hash_key(secret),
        scope=scope,
        expires_at=expires_at,
        revoked_at=utcnow() if revoked else None,
    )
    db.session.add(key)
    db.session.commit()
    return secret


def expired_key(user):
    return make_key(user, expires_at=utcnow() - timedelta(minutes=1))


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


class ApiCaller:
    """A test client that sends one credential (no cookies, no CSRF token) and JSON bodies."""

    def __init__(self, client, secret=None):
        self.client = client
        self.headers = bearer(secret) if secret else {}

    def open(self, method, path, json=None, headers=None, **kwargs):
        merged = {**self.headers, **(headers or {})}
        return self.client.open(path, method=method, json=json, headers=merged, csrf=False, **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.open("POST", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.open("PUT", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.open("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)


@pytest.fixture
def api(app):
    """``api(user_or_secret=None)``: a caller acting with a fresh read-write key of ``user`` (or a given secret)."""

    def caller(who=None, scope="read_write"):
        secret = who if isinstance(who, str) or who is None else make_key(who, scope)
        return ApiCaller(app.test_client(), secret)

    return caller
