"""The development-only sign-in: offered without Google credentials, clearly marked, absent when off."""

import pytest
from sqlalchemy import select

from tests.plugins.google import google_settings
from webapp import create_app
from webapp.demo import seed
from webapp.extensions import db
from webapp.models import AccountStatus, Role, User


@pytest.fixture
def app_config(app_config):
    """The development sign-in switched on, as in `make run` without Google credentials."""
    app_config["DEV_LOGIN"] = True
    return app_config


def test_sign_in_page_offers_the_clearly_marked_development_sign_in(client):
    page = client.get("/auth/login?next=/access/").get_data(as_text=True)
    assert "Development only" in page and "It can never be switched on in production." in page
    assert 'action="/auth/dev-login"' in page and 'name="next" value="/access/"' in page
    assert "Sign in with Google" not in page


def test_sign_in_page_lists_the_demo_accounts_once_seeded(client):
    assert "Demo accounts" not in client.get("/auth/login").get_data(as_text=True)
    seed()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "<code>admin@example.com</code>, <code>alice@example.com</code>" in page


def test_development_sign_in_creates_a_waiting_account(client):
    response = client.post("/auth/dev-login", data={"email": "Dev@Example.org", "name": "Dev"})
    assert response.status_code == 302 and response.location == "/access/"
    dev = db.session.scalar(select(User))
    assert (dev.email, dev.name, dev.status, dev.google_sub) == ("dev@example.org", "Dev", AccountStatus.pending, None)
    assert "Why do you want access?" in client.get("/access/").get_data(as_text=True)


def test_development_sign_in_follows_admin_emails(app, client):
    app.config["ADMIN_EMAILS"] = ["admin@example.com"]
    response = client.post("/auth/dev-login", data={"email": "admin@example.com", "next": "/access/queue"})
    assert response.location == "/access/queue"
    assert db.session.scalar(select(User.role)) == Role.admin


@pytest.mark.parametrize(
    "email",
    [
        "",
        "nobody",
        "two words@example.org",
        # Issue 16: an address must be one address, printable, fit for a To: header.
        "nul\x00@example.org",
        "bell\x07@example.org",
        "rtl\u202e@example.org",
        "a@example.org,b@example.org",
        "Eve <eve@example.org>",
        "eve@example.org>",
    ],
)
def test_development_sign_in_with_a_bad_email_fails_gently(client, email):
    response = client.post("/auth/dev-login", data={"email": email})
    assert response.status_code == 400 and b"Enter a valid e-mail address." in response.data
    assert db.session.scalar(select(User)) is None


def test_development_sign_in_needs_the_csrf_token(client):
    assert client.post("/auth/dev-login", data={"email": "dev@example.org"}, csrf=False).status_code == 400
    assert db.session.scalar(select(User)) is None


def test_without_the_flag_there_is_no_development_sign_in(app, client):
    app.config["DEV_LOGIN"] = False
    assert client.post("/auth/dev-login", data={"email": "dev@example.org"}).status_code == 404
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Development only" not in page and "Sign-in is not configured" in page


def test_sign_in_page_with_google_keeps_the_safe_next(app_config, issuer):
    app_config.update(google_settings(issuer), DEV_LOGIN=False)
    client = create_app(app_config).test_client()
    page = client.get("/auth/login?next=/access/queue").get_data(as_text=True)
    assert 'href="/auth/google?next=/access/queue"' in page and "Development only" not in page
    assert 'href="/auth/google"' in client.get("/auth/login?next=//evil.com").get_data(as_text=True)


# A return path urllib's parser raises on ("Invalid IPv6 URL") answered 500 on the sign-in page and form.
@pytest.mark.parametrize("target", ["//[", "http://[", "//a\u2100b/"])
def test_a_return_path_the_url_parser_refuses_is_ignored(client, target):
    page = client.get("/auth/login", query_string={"next": target})
    assert page.status_code == 200 and 'name="next" value=""' in page.get_data(as_text=True)
    response = client.post("/auth/dev-login", data={"email": "kim@example.org", "next": target})
    assert response.status_code == 302 and response.location == "/access/"


# Without Google credentials the callback asked the real provider for its discovery document and answered 502.
@pytest.mark.parametrize("query", ["", "?state=x&code=y", "?error=access_denied"])
def test_the_callback_does_not_exist_without_google_credentials(client, query):
    assert client.get("/auth/google/callback" + query).status_code == 404
