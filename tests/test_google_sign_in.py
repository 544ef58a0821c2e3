"""Google sign-in end to end through the local issuer: who gets which account, and where they land."""

import pytest
from sqlalchemy import select

from tests.plugins.accounts import SignIn
from tests.plugins.google import google_settings
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, AuditEvent, RequestStatus, Role, User
from webapp.permissions import signed_in


@pytest.fixture
def app_config(app_config, issuer):
    """The app signs in with the local issuer instead of Google."""
    app_config.update(google_settings(issuer))
    return app_config


def only_user():
    (user,) = db.session.scalars(select(User)).all()
    return user


def audit_actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def signed_in_email(client):
    """The e-mail of the account the client's session belongs to, asked of the app itself."""
    return client.get("/test/whoami").get_data(as_text=True)


@pytest.fixture(autouse=True)
def whoami_route(app):
    """A tiny page answering with the signed-in e-mail (any account state), for assertions."""
    from flask_login import current_user

    @signed_in
    def whoami():
        return current_user.email

    app.add_url_rule("/test/whoami", "whoami", whoami)


def test_newcomer_asks_for_access_and_gets_in_once_an_admin_approves(app, google, admin):
    response = google.sign_in("nina@example.org", name="Nina Newcomer")
    assert response.status_code == 302 and response.location == "/access/"
    nina = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert (nina.status, nina.role, nina.name) == (AccountStatus.pending, Role.user, "Nina Newcomer")
    assert nina.google_sub == google.issuer.queue_login("nina@example.org")["sub"]

    page = google.client.get("/access/")
    assert b"Why do you want access?" in page.data
    assert google.client.get("/").status_code == 200  # public pages stay open
    assert google.client.get("/access/queue").location == "/access/"

    asked = google.client.post("/access/request", data={"reason": "I run the mobile team's specifications."})
    assert asked.status_code == 302 and asked.location == "/access/"
    waiting = google.client.get("/access/")
    assert b"Your request is waiting for an administrator." in waiting.data
    access_request = db.session.scalar(select(AccessRequest))
    assert access_request.status == RequestStatus.pending

    admin_client = app.test_client()
    SignIn(admin_client).as_user(admin)
    decided = admin_client.post(f"/access/queue/{access_request.id}/approve", data={"note": "Welcome!"})
    assert decided.status_code == 302

    assert google.client.get("/access/").location == "/"
    home = google.client.get("/")
    assert b"Welcome back, Nina Newcomer" in home.data
    assert db.session.get(User, nina.id).status == AccountStatus.approved
    assert audit_actions() == ["user.created", "auth.signed_in", "access.requested", "access.approved"]


def test_admin_email_is_an_approved_administrator_at_first_sign_in(app, google):
    app.config["ADMIN_EMAILS"] = ["boss@example.org"]
    response = google.sign_in("Boss@Example.org", hd="example.org")
    assert response.location == "/"
    boss = only_user()
    assert (boss.email, boss.role, boss.status) == ("boss@example.org", Role.admin, AccountStatus.approved)
    assert google.client.get("/access/queue").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.auto_approved"))
    assert event.details == {"rule": "ADMIN_EMAILS", "role": "admin", "automatic": True}


def test_auto_approve_domain_lets_the_person_in_without_waiting(app, google):
    app.config["AUTO_APPROVE_DOMAINS"] = ["example.org"]
    response = google.sign_in("carol@example.org", next="/test/whoami", hd="example.org")
    assert response.location == "/test/whoami"
    carol = only_user()
    assert (carol.role, carol.status) == (Role.user, AccountStatus.approved)
    assert audit_actions() == ["user.created", "access.auto_approved", "auth.signed_in"]


# Issue 16: a personal Google account registered with a company address has a verified e-mail
# and no `hd` claim; the domain's rules must not trust it.
def test_admin_email_without_googles_say_on_the_domain_waits_for_a_decision(app, google):
    app.config["ADMIN_EMAILS"] = ["boss@example.org"]
    response = google.sign_in("boss@example.org")
    assert response.location == "/access/"
    boss = only_user()
    assert (boss.role, boss.status) == (Role.user, AccountStatus.pending)
    assert audit_actions() == ["user.created", "auth.signed_in"]


def test_auto_approve_domain_without_googles_say_on_the_domain_waits_for_a_decision(app, google):
    app.config["AUTO_APPROVE_DOMAINS"] = ["example.org"]
    assert google.sign_in("carol@example.org").location == "/access/"
    google.client.post("/auth/logout")
    assert google.sign_in("dave@example.org", sub="dave", hd="other.example").location == "/access/"
    assert {user.status for user in db.session.scalars(select(User))} == {AccountStatus.pending}


def test_a_gmail_address_is_vouched_for_by_google_itself(app, google):
    app.config["ADMIN_EMAILS"] = ["ops.lead@gmail.com"]
    assert google.sign_in("ops.lead@gmail.com").location == "/"
    assert only_user().is_admin


def test_admin_email_added_later_lets_a_waiting_person_in_at_their_next_sign_in(app, google, make):
    waiting = make.user(email="late@example.org", google_sub="late", status="pending")
    open_request = make.access_request(waiting)
    app.config["ADMIN_EMAILS"] = ["late@example.org"]
    assert google.sign_in("late@example.org", sub="late", hd="example.org").location == "/"
    assert only_user().is_admin
    decided = db.session.get(AccessRequest, open_request.id)
    assert (decided.status, decided.decided_by_id) == (RequestStatus.approved, None)
    assert decided.decision_note == "Approved automatically (ADMIN_EMAILS)."


def test_auto_approval_closes_the_open_request_in_the_queue(app, google, make, admin, sign_in):
    waiting = make.user(email="wendy@example.org", google_sub="wendy", status="pending")
    open_request = make.access_request(waiting)
    app.config["AUTO_APPROVE_DOMAINS"] = ["example.org"]
    google.sign_in("wendy@example.org", sub="wendy", hd="example.org")
    admin_client = app.test_client()
    SignIn(admin_client).as_user(admin)
    assert "wendy@example.org" not in admin_client.get("/access/queue").get_data(as_text=True)
    admin_client.post(f"/access/queue/{open_request.id}/reject")
    assert "This request was already approved automatically." in admin_client.get("/access/queue").get_data(
        as_text=True
    )


def test_auto_approve_matches_the_whole_domain_only(app, google):
    app.config["AUTO_APPROVE_DOMAINS"] = ["example.org"]
    google.sign_in("mallory@evil-example.org", hd="evil-example.org")
    google.client.post("/auth/logout")
    google.sign_in("mallory@example.org.evil.test", hd="example.org.evil.test")
    statuses = {user.email: user.status for user in db.session.scalars(select(User))}
    assert set(statuses.values()) == {AccountStatus.pending}


def test_auto_approval_never_undoes_an_admins_rejection(app, google, make):
    make.user(email="dan@example.org", google_sub="dan-sub", status="rejected")
    app.config["AUTO_APPROVE_DOMAINS"] = ["example.org"]
    response = google.sign_in("dan@example.org", sub="dan-sub", hd="example.org")
    assert response.location == "/access/"
    assert only_user().status == AccountStatus.rejected


def test_same_google_account_after_an_email_change_is_the_same_account(google, make):
    erin = make.user(email="erin@old.example", google_sub="108", status="approved")
    google.sign_in("erin@new.example", sub="108")
    assert db.session.scalars(select(User.id)).all() == [erin.id]
    assert db.session.get(User, erin.id).email == "erin@new.example"
    assert signed_in_email(google.client) == "erin@new.example"
    assert "user.email_changed" in audit_actions()


def test_pre_created_account_is_linked_by_email_at_first_sign_in(google, make):
    frank = make.user(email="frank@example.org", name="", status="approved")
    response = google.sign_in("frank@example.org", sub="777", name="Frank Fields", hd="example.org")
    assert response.location == "/"
    frank = db.session.get(User, frank.id)
    assert (frank.google_sub, frank.name, frank.status) == ("777", "Frank Fields", AccountStatus.approved)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_pre_created_account_is_not_linked_without_googles_say_on_the_domain(google, make):
    # Issue 16: `flask create-admin frank@example.org` must not hand the account to whoever
    # registered a personal Google account with that address.
    frank = make.user(email="frank@example.org", role="admin", status="approved")
    response = google.sign_in("frank@example.org", sub="777")
    assert response.status_code == 403
    assert b"can only be linked to a Google Workspace account of example.org" in response.data
    assert google.client.get("/test/whoami").status_code == 302
    assert db.session.get(User, frank.id).google_sub is None


def test_an_address_linked_to_another_google_account_is_refused(google, make, caplog):
    make.user(email="gail@example.org", google_sub="first-owner")
    response = google.sign_in("gail@example.org", sub="someone-else")
    assert response.status_code == 403
    assert b"linked to a different Google account" in response.data and b"Try again" in response.data
    assert google.client.get("/test/whoami").status_code == 302
    assert "Sign-in failed" in caplog.text


def test_email_change_onto_an_address_another_account_holds_is_refused(google, make):
    make.user(email="taken@example.org")
    make.user(email="hal@example.org", google_sub="hal")
    response = google.sign_in("taken@example.org", sub="hal")
    assert response.status_code == 403 and b"already used by another account" in response.data
    assert db.session.scalar(select(User.email).where(User.google_sub == "hal")) == "hal@example.org"


def test_signing_in_again_keeps_one_account_and_records_the_visit(google):
    google.sign_in("ivy@example.org")
    first_visit = only_user().last_login_at
    google.client.post("/auth/logout")
    google.sign_in("ivy@example.org", name="Ivy Renamed")
    ivy = only_user()
    assert ivy.name == "Ivy Renamed" and ivy.last_login_at >= first_visit
    assert audit_actions() == ["user.created", "auth.signed_in", "auth.signed_out", "auth.signed_in"]


def test_sign_in_replaces_the_previous_session(google, make, sign_in):
    sign_in.as_user(make.user(email="previous@example.org"))
    with google.client.session_transaction() as session:
        session["left-over"] = "from before"
    google.sign_in("jill@example.org")
    with google.client.session_transaction() as session:
        assert "left-over" not in session
    assert signed_in_email(google.client) == "jill@example.org"


@pytest.mark.parametrize("target", ["/test/whoami", "/test/whoami?tab=2"])
def test_next_brings_an_approved_person_back_to_the_page_they_wanted(google, make, target):
    make.user(email="kim@example.org", status="approved")
    assert google.sign_in("kim@example.org", next=target, hd="example.org").location == target


@pytest.mark.parametrize(
    "target", ["//evil.com", "https://evil.com", "/\\evil.com", "http:evil.com", "\\\\evil.com", "/\t/evil.com"]
)
def test_next_never_leaves_the_site(google, make, target):
    make.user(email="lee@example.org", status="approved")
    assert google.sign_in("lee@example.org", next=target, hd="example.org").location == "/"


def test_next_is_ignored_while_the_person_is_not_approved(google):
    assert google.sign_in("max@example.org", next="/test/whoami").location == "/access/"


def test_callback_url_is_https_behind_a_proxy(app_config, issuer):
    from urllib.parse import parse_qs, urlsplit

    from webapp import create_app

    app_config["PROXY_FIX_HOPS"] = 1
    client = create_app(app_config).test_client()
    start = client.get("/auth/google", base_url="http://desk.example.org", headers={"X-Forwarded-Proto": "https"})
    redirect_uri = parse_qs(urlsplit(start.location).query)["redirect_uri"][0]
    assert redirect_uri == "https://desk.example.org/auth/google/callback"


@pytest.mark.parametrize(("x_host", "expected"), [(False, "desk.example.org"), (True, "proxy-says.example.org")])
def test_x_forwarded_host_is_believed_only_when_configured(app_config, issuer, x_host, expected):
    # Issue 16: Render's proxy passes on whatever X-Forwarded-Host the client sent.
    from urllib.parse import parse_qs, urlsplit

    from webapp import create_app

    app_config.update(PROXY_FIX_HOPS=1, PROXY_FIX_X_HOST=x_host)
    client = create_app(app_config).test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy-says.example.org"}
    start = client.get("/auth/google", base_url="http://desk.example.org", headers=headers)
    redirect_uri = parse_qs(urlsplit(start.location).query)["redirect_uri"][0]
    assert redirect_uri == f"https://{expected}/auth/google/callback"


def test_authorization_request_asks_for_openid_email_profile_with_state_and_nonce(google, app):
    from urllib.parse import parse_qs, urlsplit

    app.config["GOOGLE_HOSTED_DOMAIN"] = "example.org"
    query = parse_qs(urlsplit(google.start().location).query)
    assert query["scope"] == ["openid email profile"]
    assert query["response_type"] == ["code"] and query["client_id"] == [google.issuer.client_id]
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["hd"] == ["example.org"]


def test_sign_out_is_a_post_that_ends_the_session(google):
    google.sign_in("ned@example.org")
    response = google.client.post("/auth/logout")
    assert response.status_code == 302 and response.location == "/"
    assert google.client.get("/test/whoami").status_code == 302


def test_sign_out_by_get_is_refused(google):
    google.sign_in("olga@example.org")
    assert google.client.get("/auth/logout").status_code == 405
    assert signed_in_email(google.client) == "olga@example.org"


def test_sign_out_without_csrf_token_is_refused(google):
    google.sign_in("pia@example.org")
    response = google.client.post("/auth/logout", csrf=False)
    assert response.status_code == 400
    assert signed_in_email(google.client) == "pia@example.org"
