"""Every way a Google sign-in can fail ends on a friendly page: logged, nothing created, nobody signed in."""

import logging
import re
import secrets

import pytest
from sqlalchemy import func, select

from tests.plugins.google import google_settings
from webapp.auth.google import accepted_issuers
from webapp.extensions import db
from webapp.logs import TextFormatter
from webapp.models import AuditEvent, User


@pytest.fixture
def app_config(app_config, issuer):
    """The app signs in with the local issuer instead of Google."""
    app_config.update(google_settings(issuer))
    return app_config


def assert_failed_safely(client, response, caplog, status, message, reason):
    """A friendly page with a way back, the reason in the log, one audit entry, no account, no session."""
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "Sign-in did not work" in page and message in page
    assert 'href="/auth/login">Try again</a>' in page
    assert "Traceback" not in page
    failures = [record.getMessage() for record in caplog.records if record.getMessage().startswith("Sign-in failed")]
    assert len(failures) == 1 and reason in failures[0], failures
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    # Issue 18: a refused sign-in is an audit event, with a fixed code for its reason: never the
    # provider's words, a state, a code or a token.
    (event,) = db.session.scalars(select(AuditEvent)).all()
    assert event.action == "auth.sign_in_failed" and event.actor_id is None
    assert set(event.details) <= {"reason", "method", "email"} and event.details["method"] == "google"
    assert re.fullmatch(r"[a-z_]+", event.details["reason"]), event.details
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/access/").location.startswith("/auth/login")


@pytest.fixture(autouse=True)
def log_warnings(caplog):
    caplog.set_level(logging.WARNING)


# Faults the provider puts into an otherwise normal sign-in, and what the person and the log see.
ROUND_TRIP_FAILURES = {
    "user cancelled": ({"error": "access_denied"}, 400, "Sign-in was cancelled.", "error='access_denied'"),
    "provider error": ({"error": "server_error"}, 400, "Google could not sign you in.", "error='server_error'"),
    "wrong nonce": ({"nonce": "replayed-nonce"}, 400, "did not complete", "nonce"),
    "expired token": ({"expired": True}, 400, "did not complete", "ExpiredTokenError"),
    "foreign signature": ({"foreign_key": True}, 400, "did not complete", "BadSignatureError"),
    "wrong audience": ({"aud": "someone-elses-client"}, 400, "did not complete", "aud"),
    "wrong issuer": ({"iss": "https://accounts.evil.example"}, 400, "did not complete", "iss"),
    "unverified e-mail": ({"email_verified": False}, 400, "not verified", "unverified e-mail"),
    "token endpoint error": ({"token_status": 500}, 502, "Google cannot be reached", "500"),
}


@pytest.mark.parametrize("fault", ROUND_TRIP_FAILURES.values(), ids=ROUND_TRIP_FAILURES.keys())
def test_provider_fault_ends_on_a_friendly_page(google, caplog, fault):
    claims, status, message, reason = fault
    response = google.sign_in("quinn@example.org", **claims)
    assert_failed_safely(google.client, response, caplog, status, message, reason)


# Finding F6: claims of the wrong type or size, or with control characters, in a token Google
# signed, crashed the callback with a 500 (AttributeError, DataError, psycopg2's NUL ValueError).
UNUSABLE_CLAIMS = {
    "email not text": {"email": ["quinn@example.org"], "sub": "1"},
    "email over 320 characters": {"email": "q" * 320 + "@example.org"},
    "email with a NUL": {"email": "quinn\x00@example.org"},
    "hd not text": {"hd": 5},
    "sub over 255 characters": {"sub": "1" * 256},
    "name a list": {"name": ["Quinn"]},
    "picture an object": {"picture": {"url": "https://example.org/q.png"}},
}


@pytest.mark.parametrize("claims", UNUSABLE_CLAIMS.values(), ids=UNUSABLE_CLAIMS.keys())
def test_unusable_claims_end_on_a_friendly_page(google, caplog, claims):
    claims = {"email": "quinn@example.org", **claims}
    response = google.sign_in(claims.pop("email"), **claims)
    assert_failed_safely(google.client, response, caplog, 400, "did not complete", "claim is not usable")
    assert db.session.scalar(select(AuditEvent.details))["reason"] == "invalid_claims"


def test_control_characters_are_dropped_from_the_name(google):
    assert google.sign_in("quinn@example.org", name="Qu\x00inn\u2028\x1b[2J").status_code == 302
    assert db.session.scalar(select(User.name)) == "Quinn[2J"


@pytest.mark.parametrize("state", [None, "", "forged-" + secrets.token_urlsafe(8)], ids=["missing", "empty", "forged"])
def test_callback_with_a_bad_state_is_refused(google, caplog, state):
    google.issuer.queue_login("rita@example.org")
    callback = google.visit_provider(google.start())
    response = google.finish(callback, state=state)
    assert_failed_safely(google.client, response, caplog, 400, "did not complete", "MismatchingStateError")
    assert google.issuer.token_requests == 0


def test_callback_from_another_browser_is_refused(google, app, caplog):
    google.issuer.queue_login("sam@example.org")
    callback = google.visit_provider(google.start())
    google.client = app.test_client()  # no cookie: the state was stored in the first browser's session
    response = google.finish(callback)
    assert_failed_safely(google.client, response, caplog, 400, "did not complete", "MismatchingStateError")


def test_a_callback_cannot_be_replayed(google, caplog):
    google.issuer.queue_login("tess@example.org")
    callback = google.visit_provider(google.start())
    assert google.finish(callback).status_code == 302
    google.client.post("/auth/logout")
    caplog.clear()
    db.session.execute(db.delete(AuditEvent))
    db.session.execute(db.delete(User))
    db.session.commit()
    response = google.finish(callback)
    assert_failed_safely(google.client, response, caplog, 400, "did not complete", "MismatchingStateError")


def test_callback_without_any_parameters_is_refused(google, caplog):
    response = google.client.get("/auth/google/callback")
    assert_failed_safely(google.client, response, caplog, 400, "did not complete", "MismatchingStateError")


@pytest.mark.parametrize("hd", [None, "other.example"], ids=["personal account", "other workspace"])
def test_account_outside_the_hosted_domain_is_refused(google, app, caplog, hd):
    app.config["GOOGLE_HOSTED_DOMAIN"] = "example.org"
    response = google.sign_in("uma@example.org", hd=hd)
    assert_failed_safely(google.client, response, caplog, 400, "example.org account", "hosted domain")


def test_account_of_the_hosted_domain_is_accepted(google, app):
    app.config["GOOGLE_HOSTED_DOMAIN"] = "example.org"
    assert google.sign_in("vic@example.org", hd="example.org").location == "/access/"


def test_provider_unreachable_when_starting(google, caplog):
    google.issuer.stop()
    response = google.start()
    assert_failed_safely(google.client, response, caplog, 502, "Google cannot be reached", "ConnectionError")


def test_provider_unreachable_when_exchanging_the_code(google, caplog):
    google.issuer.queue_login("wes@example.org")
    callback = google.visit_provider(google.start())
    google.issuer.stop()
    response = google.finish(callback)
    assert_failed_safely(google.client, response, caplog, 502, "Google cannot be reached", "ConnectionError")


def test_provider_with_broken_discovery_document(app, app_config, caplog):
    from webapp import create_app

    # A server that answers, but not with OpenID Connect metadata.
    app_config["GOOGLE_DISCOVERY_URL"] = app_config["GOOGLE_DISCOVERY_URL"].replace(
        ".well-known/openid-configuration", "nothing-here"
    )
    client = create_app(app_config).test_client()
    response = client.get("/auth/google")
    assert_failed_safely(client, response, caplog, 502, "Google cannot be reached", "404")


def test_the_providers_words_stay_on_their_line_in_the_log(google, caplog):
    # Finding F5: the reason quotes the callback's error_description, which any client can write.
    forged = "1999-12-31 23:59:59,000 ERROR [x] webapp: Exception on /api/v1/projects [POST]"
    query = {"state": "s", "error": "server_error", "error_description": f"busy\r\n{forged}"}
    response = google.client.get("/auth/google/callback", query_string=query)
    assert_failed_safely(google.client, response, caplog, 400, "Google could not sign you in.", "busy")
    (record,) = [r for r in caplog.records if r.getMessage().startswith("Sign-in failed")]
    line = TextFormatter().format(record)
    assert "\n" not in line and "\r" not in line and f"(busy\\r\\n{forged})" in line


def test_google_tokens_may_name_their_issuer_without_the_scheme():
    # Google documents both forms of iss; any other provider must match its discovery document exactly.
    assert accepted_issuers("https://accounts.google.com") == ["https://accounts.google.com", "accounts.google.com"]
    assert accepted_issuers("http://127.0.0.1:8000") == ["http://127.0.0.1:8000"]
