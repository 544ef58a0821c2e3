"""Invitations: by address or by link, with a role, in every registration mode; listed by state, revocable, audited."""

import logging
import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.plugins.google import google_settings
from webapp.auth.session import session_value_for
from webapp.extensions import db
from webapp.models import AccountStatus, AuditEvent, Invitation, OutboxMessage, Role, User, utcnow
from webapp.services import invitations, site_settings
from webapp.services.mail import Mailer

MODES = ("approval", "open", "invite_only", "closed")
LIST = "/admin/invitations/"


@pytest.fixture
def app_config(app_config, issuer):
    app_config.update(google_settings(issuer))
    return app_config


@pytest.fixture
def office(app, admin):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_value_for(admin)
    return client


def mode(admin, name):
    site_settings.update({"registration_mode": name}, admin)


def user_named(email):
    return db.session.scalar(select(User).where(User.email == email))


def actions(prefix="invitation."):
    return [
        e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)) if e.action.startswith(prefix)
    ]


def invite(admin, *addresses, role=Role.user, days=14):
    created, skipped = invitations.invite(list(addresses), role, days, admin, Mailer.from_config(current_app.config))
    return created


def make_link(admin, role=Role.user, uses=1, days=14):
    return invitations.create_link(role, days, uses, admin)


# Inviting addresses


def test_administrators_invite_several_addresses_with_one_email_each(office, admin):
    response = office.post(
        f"{LIST}invite/", data={"addresses": "Ann@example.org, bob@example.org\nann@example.org", "role": "approver"}
    )
    assert response.status_code == 302
    rows = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [(r.email, r.role, str(r.state())) for r in rows] == [
        ("ann@example.org", Role.approver, "sent"),
        ("bob@example.org", Role.approver, "sent"),
    ]
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipients for m in mails] == [["ann@example.org"], ["bob@example.org"]]
    assert mails[0].subject == "You are invited to Hyperdesk"
    assert "as an approver" in mails[0].body and "http://127.0.0.1:5000/auth/login" in mails[0].body
    assert actions() == ["invitation.sent", "invitation.sent"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"addresses": "ann@example.org, not-an-address"}, "addresses", "Not e-mail addresses: not-an-address"),
        ({"addresses": "  "}, "addresses", "at least one e-mail address"),
        ({"addresses": "ann@example.org", "role": "owner"}, "role", "Choose user, approver"),
        ({"addresses": "ann@example.org", "days": "0"}, "days", "from 1 to 90"),
        ({"addresses": "ann@example.org\x00"}, "addresses", "control characters"),
    ],
)
def test_a_bad_invitation_form_is_answered_in_place_and_sends_nothing(office, data, field, message):
    response = office.post(f"{LIST}invite/", data={"role": "user", **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_decided_accounts_are_skipped_and_waiting_ones_invited(office, make):
    make.user(email="done@example.org", status="approved")
    make.user(email="waiting@example.org", status="pending")
    office.post(f"{LIST}invite/", data={"addresses": "done@example.org waiting@example.org", "role": "user"})
    assert [r.email for r in db.session.scalars(select(Invitation))] == ["waiting@example.org"]
    page = office.get(LIST).get_data(as_text=True)
    assert "done@example.org already has an account (approved)" in page


def test_inviting_an_address_again_replaces_its_invitation(admin):
    (first,) = invite(admin, "ann@example.org")
    (second,) = invite(admin, "ann@example.org", role=Role.auditor)
    db.session.refresh(first)
    assert (str(first.state()), str(second.state())) == ("revoked", "sent")
    assert actions() == ["invitation.sent", "invitation.replaced", "invitation.sent"]


@pytest.mark.parametrize("name", MODES)
def test_an_invited_address_is_approved_with_its_role_in_every_mode(admin, google, name):
    mode(admin, name)
    (invitation,) = invite(admin, "ann@example.org", role=Role.approver)
    assert google.sign_in("ann@example.org").location == "/"
    ann = user_named("ann@example.org")
    assert (ann.status, ann.role) == (AccountStatus.approved, Role.approver)
    db.session.refresh(invitation)
    assert (str(invitation.state()), invitation.last_used_by_id) == ("used", ann.id)
    assert actions() == ["invitation.sent", "invitation.used"]
    approved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access.auto_approved")).one()
    assert approved.details["rule"] == "invitation" and approved.details["invitation"] == invitation.id


def test_an_invitation_approves_a_pending_account_and_closes_its_request(admin, google, make):
    waiting = make.user(email="wendy@example.org", google_sub="wendy", status="pending")
    make.access_request(waiting)
    invite(admin, "wendy@example.org", role=Role.auditor)
    google.sign_in("wendy@example.org", sub="wendy")
    db.session.refresh(waiting)
    assert (waiting.status, waiting.role) == (AccountStatus.approved, Role.auditor)
    assert waiting.access_requests[0].decision_note == "Approved automatically (invitation)."


@pytest.mark.parametrize("spoil", ["expired", "revoked"])
def test_a_spent_invitation_leaves_the_mode_to_decide(admin, google, spoil):
    mode(admin, "closed")
    (invitation,) = invite(admin, "ann@example.org")
    if spoil == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    else:
        invitations.revoke(invitation, admin)
    assert google.sign_in("ann@example.org").status_code == 403
    assert user_named("ann@example.org") is None


def test_the_operators_administrator_list_wins_over_an_invitation(app, admin, google):
    app.config["ADMIN_EMAILS"] = ["boss@example.org"]
    (invitation,) = invite(admin, "boss@example.org", role=Role.auditor)
    google.sign_in("boss@example.org", hd="example.org")
    assert user_named("boss@example.org").role == Role.admin
    db.session.refresh(invitation)
    assert invitation.use_count == 0


# Links


def test_a_link_is_shown_once_and_only_its_hash_is_kept(office):
    response = office.post(f"{LIST}link/", data={"role": "user", "uses": "3", "days": "7"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="(http://127.0.0.1:5000/invite/[^"]+)"', response.get_data(as_text=True)).group(1)
    token = link.rsplit("/", 1)[1]
    row = db.session.scalars(select(Invitation)).one()
    assert (row.kind, row.max_uses, row.token_hash) == ("link", 3, invitations.hash_token(token))
    assert token not in office.get(LIST).get_data(as_text=True)
    assert actions() == ["invitation.link_created"]


@pytest.mark.parametrize("name", MODES)
def test_a_link_approves_whoever_opens_it_and_signs_in_in_every_mode(app, admin, google, name):
    mode(admin, name)
    invitation, token = make_link(admin, role=Role.auditor, uses=2)
    page = google.client.get(f"/invite/{token}")
    assert page.status_code == 200 and "You are invited to Hyperdesk" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert google.sign_in("zoe@example.net").location == "/"
    zoe = user_named("zoe@example.net")
    assert (zoe.status, zoe.role) == (AccountStatus.approved, Role.auditor)
    db.session.refresh(invitation)
    assert (invitation.use_count, str(invitation.state())) == (1, "active")


def test_a_used_up_link_says_so_and_the_mode_decides_again(app, admin, google, issuer):
    mode(admin, "invite_only")
    invitation, token = make_link(admin, uses=1)
    google.client.get(f"/invite/{token}")
    google.sign_in("first@example.net")
    other = app.test_client()
    answer = other.get(f"/invite/{token}")
    assert answer.status_code == 410 and "has been used already" in answer.get_data(as_text=True)
    from tests.plugins.google import GoogleRoundTrip

    assert GoogleRoundTrip(other, issuer).sign_in("second@example.net").status_code == 403
    assert user_named("second@example.net") is None


def test_the_last_use_goes_to_one_sign_in_only(admin):
    invitation, _ = make_link(admin, uses=1)
    assert invitations.claim(invitation) is True
    assert invitations.claim(invitation) is False
    db.session.rollback()


def test_a_signed_in_pending_person_accepts_a_link(app, admin, pending_user, client, sign_in):
    invitation, token = make_link(admin, role=Role.user)
    sign_in.as_user(pending_user)
    assert "Accept the invitation" in client.get(f"/invite/{token}").get_data(as_text=True)
    assert client.post(f"/invite/{token}").location == "/"
    db.session.refresh(pending_user)
    assert pending_user.status == AccountStatus.approved


def test_an_approved_person_opening_a_link_does_not_use_it(admin, approved_user, client, sign_in):
    invitation, token = make_link(admin)
    sign_in.as_user(approved_user)
    assert "this invitation is not needed" in client.get(f"/invite/{token}").get_data(as_text=True)
    assert client.post(f"/invite/{token}").status_code == 302
    db.session.refresh(invitation)
    assert invitation.use_count == 0


@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 101, "bad token with spaces but long enough"])
def test_an_unknown_or_malformed_link_is_a_clear_404(client, token):
    response = client.get(f"/invite/{token}")
    assert response.status_code == 404 and "does not exist" in response.get_data(as_text=True)


def test_the_request_log_never_holds_the_links_secret(admin, client, caplog):
    _, token = make_link(admin)
    with caplog.at_level(logging.INFO, logger="webapp.request"):
        client.get(f"/invite/{token}")
    assert caplog.records and token not in caplog.text and "/invite/<token>" in caplog.text


# The list


def test_the_list_shows_each_invitation_with_its_state(office, admin, make):
    sent, used, expired, revoked = invite(admin, "a@example.org", "b@example.org", "c@example.org", "d@example.org")
    used.use_count = 1
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    invitations.revoke(revoked, admin)
    make_link(admin, uses=5)
    html = office.get(LIST).get_data(as_text=True)
    for state in ("sent", "used", "expired", "revoked", "active"):
        assert f'data-state="{state}"' in html, state
    assert "0 of 5" in html


def test_revoking_from_the_list_is_audited_and_stops_the_link(app, office, admin):
    invitation, token = make_link(admin)
    response = office.post(f"{LIST}action/", data={"action": "revoke", "rowid": str(invitation.id), "url": LIST})
    assert response.status_code == 302
    db.session.refresh(invitation)
    assert str(invitation.state()) == "revoked" and actions()[-1] == "invitation.revoked"
    assert app.test_client().get(f"/invite/{token}").status_code == 410
    office.post(f"{LIST}action/", data={"action": "revoke", "rowid": str(invitation.id), "url": LIST})
    assert "already revoked" in office.get(LIST).get_data(as_text=True)
