"""API credentials: keys and Google tokens at the gate, CSRF only for cookies, refusals audited, keys kept out of logs."""

import contextvars
import logging
import sys
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.plugins.api import bearer, expired_key, make_key
from tests.plugins.google import google_settings
from webapp.extensions import db
from webapp.logs import SecretFilter
from webapp.models import AccessRequest, ApiKey, AuditEvent, User, utcnow
from webapp.services import access, credentials


def test_a_key_acts_as_its_owner(api, approved_user):
    response = api(approved_user).get("/api/v1/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["data"]["email"] == approved_user.email
    assert body["meta"] == {"credential": "key", "can_write": True}


def test_a_key_in_use_shows_when_it_was_last_used(api, approved_user):
    secret = make_key(approved_user)
    api(secret).get("/api/v1/me")
    assert db.session.scalar(select(ApiKey.last_used_at)) is not None


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer hdk_unknown_key", "Bearer not-a-key"])
def test_a_bad_authorization_header_is_401_with_a_bearer_challenge(client, approved_user, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_no_credential_is_401(client):
    assert client.get("/api/v1/projects").status_code == 401


def test_a_revoked_key_is_401_at_its_next_request_and_the_refusal_is_audited(api, approved_user):
    secret = make_key(approved_user)
    caller = api(secret)
    assert caller.get("/api/v1/me").status_code == 200
    credentials.revoke(db.session.scalar(select(ApiKey)), approved_user)
    assert caller.get("/api/v1/me").status_code == 401
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_key.refused"))
    assert refused.details["reason"] == "revoked"


def test_an_expired_key_is_401(api, approved_user):
    assert api(expired_key(approved_user)).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("status", ["suspended", "rejected", "pending"])
def test_a_key_whose_owner_is_no_longer_approved_is_401(api, make, status):
    owner = make.user()
    secret = make_key(owner)
    owner.status = status
    db.session.commit()
    assert api(secret).get("/api/v1/projects").status_code == 401


def test_suspending_the_owner_stops_their_key_at_the_next_request(api, admin, approved_user):
    caller = api(approved_user)
    assert caller.get("/api/v1/projects").status_code == 200
    access.suspend(approved_user, admin)
    assert caller.get("/api/v1/projects").status_code == 401


def test_a_read_only_key_cannot_write(api, approved_user):
    caller = api(approved_user, scope="read")
    assert caller.get("/api/v1/projects").status_code == 200
    response = caller.post("/api/v1/projects", json={"name": "Nope"})
    assert response.status_code == 403 and "read-only" in response.get_json()["error"]["message"]


def options(app, path, secret=None):
    """OPTIONS ``path``, through a plain Flask client in a fresh context, as the shared client sends requests.

    The shared client checks every /api answer against the OpenAPI document, which describes
    no OPTIONS (tests/api_support.py): these tests check the answer themselves.
    """
    client = FlaskClient(app, app.response_class)
    return contextvars.Context().run(client.open, path, method="OPTIONS", headers=bearer(secret) if secret else {})


# Finding F4a: OPTIONS with a valid key answered Flask's automatic 200 with an empty text/html body.
@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/v1/me", {"GET", "HEAD", "OPTIONS"}), ("/api/v1/projects", {"GET", "HEAD", "OPTIONS", "POST"})],
)
def test_options_is_204_with_the_allowed_methods_and_no_body(app, approved_user, path, allowed):
    response = options(app, path, make_key(approved_user))
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    assert set(response.allow) == allowed


def test_options_without_a_credential_is_401_in_json(app):
    response = options(app, "/api/v1/me")
    assert response.status_code == 401 and response.get_json()["success"] is False


def test_a_cookie_session_change_without_a_csrf_token_is_refused(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    response = client.post("/api/v1/projects", json={"name": "From a page"}, csrf=False)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_a_cookie_session_change_with_the_csrf_token_is_accepted(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    assert client.post("/api/v1/projects", json={"name": "From a page"}).status_code == 201


def test_a_bearer_change_needs_no_csrf_token(api, approved_user):
    assert api(approved_user).post("/api/v1/projects", json={"name": "From a script"}).status_code == 201


def test_a_bearer_credential_wins_over_a_session_cookie(client, sign_in, approved_user, make):
    sign_in.as_user(approved_user)
    other = make.user(email="other@example.com")
    response = client.get("/api/v1/me", headers=bearer(make_key(other)))
    assert response.get_json()["data"]["email"] == "other@example.com"


def test_keys_never_reach_the_logs(api, approved_user, caplog):
    secret = make_key(approved_user)
    revoked = make_key(approved_user, revoked=True)
    with caplog.at_level(logging.DEBUG):
        api(secret).get("/api/v1/me")
        api(revoked).get("/api/v1/me")
        api(secret).get(f"/api/v1/projects?q={secret}")
    assert secret not in caplog.text and revoked not in caplog.text
    assert revoked[:12] in caplog.text  # the visible prefix says which key was refused


class TestRateLimits:
    """Limits count per credential; refused credentials count per address."""

    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_API="3 per minute")
        app_config.update(RATELIMIT_API_REFUSED="2 per minute")
        return app_config

    def test_each_key_has_its_own_limit(self, app, api, approved_user):
        first, second = api(approved_user), api(approved_user)
        assert [first.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert second.get("/api/v1/me").status_code == 200
        limited = first.get("/api/v1/me")
        assert limited.get_json()["error"]["code"] == "rate_limited" and "Retry-After" in limited.headers

    def test_refused_credentials_are_limited_per_address(self, app, api, approved_user):
        statuses = [api(f"hdk_guess{n}_x").get("/api/v1/me").status_code for n in range(3)]
        assert statuses == [401, 401, 429]


class NotText(list):
    """A JSON array standing as the e-mail address: the fake issuer derives the subject from ``.lower()``."""

    def lower(self):
        return "not-text"


class NotTextNumber(int):
    """A JSON number standing as the e-mail address (see NotText)."""

    def lower(self):
        return "not-text"


def nested(depth):
    """A list ``depth`` levels deep."""
    value = []
    for _ in range(depth):
        value = [value]
    return value


# Signed by the issuer, so only the claims are wrong (issuer.mint_id_token's keywords).
UNUSABLE_CLAIMS = {
    "email a list": {"email": NotText(["nina@example.org"])},
    "email a number": {"email": NotTextNumber(5)},
    "email over 320 characters": {"email": "n" * 320 + "@example.org"},
    "email with a NUL": {"email": "nina\x00@example.org"},
    "email with a line break": {"email": "nina@example.org\nBcc: x@example.org"},
    "hd not text": {"hd": 5},
    "hd an object": {"hd": {"domain": "example.org"}},
    "hd with a NUL": {"hd": "example.org\x00"},
    "sub over 255 characters": {"sub": "1" * 256},
    "sub empty": {"sub": ""},
    "sub with a NUL": {"sub": "1\x00"},
    "name a list": {"name": ["Nina"]},
    "name an object": {"name": {"first": "Nina"}},
    "picture an object": {"picture": {"url": "https://example.org/p.png"}},
    "picture over 1000 characters": {"picture": "https://example.org/" + "p" * 1000},
    "picture not a web address": {"picture": "javascript:alert(1)"},
}


class TestGoogleTokens:
    """POST /api/v1/auth/google: a Google ID token becomes a 24-hour bearer token, under the web sign-in's rules."""

    @pytest.fixture
    def app_config(self, app_config, issuer):
        app_config.update(google_settings(issuer))
        app_config.update(ADMIN_EMAILS=["boss@example.com"])
        return app_config

    def exchange(self, api, id_token):
        return api().post("/api/v1/auth/google", json={"id_token": id_token})

    def test_an_approved_person_gets_a_token_that_acts_as_them(self, api, issuer, approved_user):
        response = self.exchange(api, issuer.mint_id_token(approved_user.email, hd="example.com"))
        assert response.status_code == 200
        token = response.get_json()["data"]["access_token"]
        me = api(token).get("/api/v1/me").get_json()
        assert me["data"]["email"] == approved_user.email and me["meta"]["credential"] == "token"

    def test_a_listed_administrator_is_approved_at_the_first_exchange(self, api, issuer):
        response = self.exchange(api, issuer.mint_id_token("boss@example.com", hd="example.com"))
        assert response.status_code == 200 and response.get_json()["data"]["user"]["is_admin"] is True

    def test_a_listed_administrator_without_googles_say_on_the_domain_waits(self, api, issuer):
        # Issue 16: the hosted domain travels through the API's sign-in too.
        response = self.exchange(api, issuer.mint_id_token("boss@example.com"))
        assert response.status_code == 403 and response.get_json()["error"]["account_status"] == "pending"

    def test_a_newcomer_is_pending_and_told_where_to_ask(self, api, issuer):
        response = self.exchange(api, issuer.mint_id_token("nina@example.org"))
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert (error["code"], error["account_status"]) == ("not_approved", "pending")
        assert error["links"]["request_access"] == "/api/v1/access-requests"
        caller = api(error["token"]["access_token"])
        assert caller.get("/api/v1/projects").get_json()["error"]["account_status"] == "pending"
        asked = caller.post(error["links"]["request_access"], json={"reason": "I run the mobile team's specs."})
        assert asked.status_code == 201
        assert db.session.scalar(select(AccessRequest.reason)) == "I run the mobile team's specs."

    @pytest.mark.parametrize(
        "faults", [{"aud": "another-app"}, {"expired": True}, {"foreign_key": True}, {"iss": "https://evil.example"}]
    )
    def test_an_id_token_that_fails_a_check_is_401(self, api, issuer, faults):
        response = self.exchange(api, issuer.mint_id_token("nina@example.org", **faults))
        assert response.status_code == 401
        assert db.session.scalars(select(User)).all() == []

    def test_an_unverified_email_is_403(self, api, issuer):
        response = self.exchange(api, issuer.mint_id_token("nina@example.org", email_verified=False))
        assert response.status_code == 403

    # Finding F6: a token with a genuine signature but claims of the wrong type or size, or with
    # control characters, crashed the sign-in with a 500 (AttributeError, DataError, ValueError).
    @pytest.mark.parametrize("claims", UNUSABLE_CLAIMS.values(), ids=UNUSABLE_CLAIMS.keys())
    def test_a_signed_id_token_with_unusable_claims_is_401(self, api, issuer, caplog, claims):
        claims = dict(claims)
        email = claims.pop("email", "nina@example.org")
        with caplog.at_level(logging.WARNING):
            response = self.exchange(api, issuer.mint_id_token(email, **claims))
        assert response.status_code == 401 and response.get_json()["success"] is False
        assert response.get_json()["error"]["message"] == "The Google ID token is not valid for this app."
        assert "claim is not usable" in caplog.text
        assert db.session.scalars(select(User)).all() == []

    def test_a_signed_id_token_nested_too_deeply_is_401(self, api, issuer):
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(20_000)  # only to let the test encode it; the app decodes under the usual limit
        try:
            id_token = issuer.mint_id_token("nina@example.org", name=nested(5_000))
        finally:
            sys.setrecursionlimit(limit)
        response = self.exchange(api, id_token)
        assert response.status_code == 401 and response.get_json()["success"] is False
        assert db.session.scalars(select(User)).all() == []

    def test_control_characters_are_dropped_from_the_name(self, api, issuer):
        id_token = issuer.mint_id_token("nina@example.org", name="Ni\x00na\x1b[31m\nRoe\u202e")
        assert self.exchange(api, id_token).status_code == 403  # a newcomer: pending
        assert db.session.scalar(select(User.name)) == "Nina[31mRoe"

    @pytest.mark.parametrize("payload", [{}, {"id_token": 5}, {"id_token": "not.a.jwt"}])
    def test_a_malformed_request_is_a_4xx(self, api, payload):
        assert api().post("/api/v1/auth/google", json=payload).status_code in (401, 422)

    def test_signing_out_everywhere_revokes_the_token(self, api, issuer, approved_user):
        id_token = issuer.mint_id_token(approved_user.email, hd="example.com")
        token = self.exchange(api, id_token).get_json()["data"]["access_token"]
        approved_user.session_version += 1
        db.session.commit()
        assert api(token).get("/api/v1/me").status_code == 401

    def audit_trail(self):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.%"))).all()
        return [(event.action, event.details.get("reason"), event.details.get("email")) for event in events]

    def test_a_granted_token_is_audited_as_a_sign_in_by_id_token(self, api, issuer, approved_user):
        assert self.exchange(api, issuer.mint_id_token(approved_user.email, hd="example.com")).status_code == 200
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.signed_in"))
        assert event.actor_id == approved_user.id
        assert event.details == {"method": "google_id_token", "credential": "token"}

    # The browser's refused sign-ins were audited, the API's only logged.
    @pytest.mark.parametrize(
        "faults, reason",
        [({"aud": "another-app"}, "answer_refused"), ({"email_verified": False}, "unverified_email")],
    )
    def test_a_refused_id_token_is_audited_without_its_words(self, api, issuer, faults, reason):
        assert self.exchange(api, issuer.mint_id_token("nina@example.org", **faults)).status_code in (401, 403)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed"))
        assert event.actor_id is None and event.details["method"] == "google_id_token"
        assert event.details["reason"] == reason and "another-app" not in str(event.details)

    def test_an_account_refused_by_the_rules_is_audited(self, api, issuer, make):
        make.user(email="nina@example.org", google_sub="someone-else")
        response = self.exchange(api, issuer.mint_id_token("nina@example.org", sub="google-nina"))
        assert response.status_code == 403
        assert ("auth.sign_in_failed", "account_refused", "nina@example.org") in self.audit_trail()

    def test_a_suspended_person_gets_no_token_and_the_refusal_is_audited(self, api, issuer, approved_user, admin):
        access.suspend(approved_user, admin)
        response = self.exchange(api, issuer.mint_id_token(approved_user.email, hd="example.com"))
        assert response.status_code == 403 and "token" not in response.get_json()["error"]
        trail = self.audit_trail()
        assert ("auth.sign_in_failed", "account_suspended", approved_user.email) in trail
        assert not [event for event in trail if event[0] == "auth.signed_in"]

    def test_suspension_revokes_the_token(self, api, issuer, approved_user, admin):
        id_token = issuer.mint_id_token(approved_user.email, hd="example.com")
        token = self.exchange(api, id_token).get_json()["data"]["access_token"]
        access.suspend(approved_user, admin)
        assert api(token).get("/api/v1/me").status_code == 401


def test_demotion_revokes_an_administrators_token(app, api, admin, make):
    token = credentials.issue_token(admin, app.secret_key)
    assert api(token).get("/api/v1/users").status_code == 200
    other = make.user(role="admin")
    assert api(other).post(f"/api/v1/users/{admin.id}/revoke-admin").status_code == 200
    # Not merely an ordinary person's token now: refused, as the web sessions are.
    assert api(token).get("/api/v1/me").status_code == 401


def test_a_token_older_than_24_hours_is_401(app, api, approved_user, monkeypatch):
    token = credentials.issue_token(approved_user, app.secret_key)
    later = utcnow() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later.timestamp())
    assert api(token).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "line, kept",
    [
        ("GET /api/v1/me?key=hdk_0123abcd_SECRETsecret-42 HTTP/1.1", "hdk_0123abcd_…"),
        ("token hdt_eyJ1IjoxfQ.aBc.dEf-SECRET given", "hdt_…"),
    ],
)
def test_the_log_filter_keeps_only_a_keys_prefix(line, kept):
    record = logging.makeLogRecord({"msg": "%s", "args": (line,)})
    SecretFilter().filter(record)
    assert kept in record.getMessage() and "SECRET" not in record.getMessage()
