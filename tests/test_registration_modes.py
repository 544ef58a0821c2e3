"""Registration modes: approval, open, invite-only and closed decide for new Google identities only."""

import pytest
from sqlalchemy import func, select

from tests.plugins.google import google_settings
from webapp.extensions import db
from webapp.models import AccountStatus, AuditEvent, Role, User
from webapp.services import site_settings


@pytest.fixture
def app_config(app_config, issuer):
    app_config.update(google_settings(issuer))
    return app_config


@pytest.fixture
def mode(app, admin):
    """``mode("closed")`` sets the registration mode as an administrator would."""

    def choose(name, **others):
        site_settings.update({"registration_mode": name, **others}, admin)

    return choose


def accounts():
    return db.session.scalar(select(func.count()).select_from(User))


def actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_approval_mode_makes_a_pending_account_that_asks(mode, google):
    mode("approval")
    assert google.sign_in("nina@example.org").location == "/access/"
    nina = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert nina.status == AccountStatus.pending


def test_approval_mode_approves_auto_approved_domains(mode, google):
    mode("approval", auto_approve_domains=("example.org",))
    google.sign_in("carol@example.org", hd="example.org")
    carol = db.session.scalar(select(User).where(User.email == "carol@example.org"))
    assert carol.status == AccountStatus.approved


def test_open_mode_approves_a_newcomer_at_once_and_audits_it(mode, google):
    mode("open")
    assert google.sign_in("olga@example.org", next="/settings/").location == "/settings/"
    olga = db.session.scalar(select(User).where(User.email == "olga@example.org"))
    assert (olga.status, olga.role) == (AccountStatus.approved, Role.user)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.auto_approved")).one()
    assert event.details == {"rule": "open registration", "role": "user", "automatic": True}


def test_open_mode_leaves_existing_pending_accounts_to_the_approvers(mode, google, make):
    make.user(email="wendy@example.org", google_sub="wendy", status="pending")
    mode("open")
    assert google.sign_in("wendy@example.org", sub="wendy").location == "/access/"
    assert db.session.scalar(select(User.status).where(User.email == "wendy@example.org")) == AccountStatus.pending


@pytest.mark.parametrize(
    "name, title, words",
    [
        ("invite_only", "By invitation only", "open by invitation only"),
        ("closed", "Sign-ups are closed", "not taking new accounts"),
    ],
)
def test_a_closed_door_shows_a_clear_page_and_stores_nothing(mode, google, name, title, words):
    mode(name)
    before = (accounts(), actions())
    response = google.sign_in("stranger@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert f"<h1>{title}</h1>" in html and words in html and "No account was created" in html
    # Nothing but the refused sign-in's own audit entry (issue 18).
    assert (accounts(), actions()) == (before[0], [*before[1], "auth.sign_in_failed"])
    assert google.client.get("/access/").status_code == 302  # not signed in: sent to the sign-in page


@pytest.mark.parametrize("name", ["invite_only", "closed"])
def test_existing_accounts_sign_in_whatever_the_mode(mode, google, make, name):
    make.user(email="alice@example.org", google_sub="alice", status="approved")
    make.user(email="paul@example.org", google_sub="paul", status="pending")
    mode(name)
    assert google.sign_in("alice@example.org", sub="alice").location == "/"
    google.client.post("/auth/logout")
    assert google.sign_in("paul@example.org", sub="paul").location == "/access/"


@pytest.mark.parametrize("name", ["invite_only", "closed"])
def test_the_operators_administrators_get_in_whatever_the_mode(app, mode, google, name):
    app.config["ADMIN_EMAILS"] = ["boss@example.org"]
    mode(name)
    assert google.sign_in("boss@example.org", hd="example.org").location == "/"
    assert db.session.scalar(select(User).where(User.email == "boss@example.org")).is_admin


@pytest.mark.parametrize("name", ["open", "invite_only", "closed"])
def test_auto_approved_domains_belong_to_approval_mode(mode, google, make, name):
    make.user(email="pete@example.org", google_sub="pete", status="pending")
    mode(name, auto_approve_domains=("example.org",))
    google.sign_in("pete@example.org", sub="pete")
    assert db.session.scalar(select(User.status).where(User.email == "pete@example.org")) == AccountStatus.pending


def test_changing_the_mode_changes_no_account(mode, make):
    people = [make.user(status=status) for status in ("pending", "approved", "rejected", "suspended")]
    snapshot = [(p.id, p.status, p.role, p.session_version) for p in people]
    for name in ("open", "invite_only", "closed", "approval"):
        mode(name)
    db.session.expire_all()
    assert [(p.id, p.status, p.role, p.session_version) for p in people] == snapshot


def test_the_api_token_sign_in_follows_the_mode(app, mode, issuer):
    mode("closed")
    token = issuer.mint_id_token("stranger@example.org")
    response = app.test_client().post("/api/v1/auth/google", json={"id_token": token})
    assert response.status_code == 403
    assert "not taking new accounts" in response.get_json()["error"]["message"]
    assert accounts() == 1  # the administrator who chose the mode
    refused = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed"))
    assert refused.details == {
        "reason": "registration_closed",
        "method": "google_id_token",
        "email": "stranger@example.org",
    }


def test_the_mode_comes_from_the_environment_until_an_administrator_chooses(app, google):
    app.config["REGISTRATION_MODE"] = "closed"
    assert google.sign_in("stranger@example.org").status_code == 403
