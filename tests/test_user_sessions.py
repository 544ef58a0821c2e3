"""Server-side sessions (issue 16): sign-out ends a session for every copy of its cookie, sessions
expire when idle and at the end of their lifetime, and a person can sign out everywhere else.
Sign-ins, refused sign-ins and sign-outs are audit events (issue 18)."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import event, select, update

from tests.plugins.accounts import SignIn
from webapp.extensions import db
from webapp.models import AuditEvent, User, UserSession, utcnow
from webapp.services import site_settings

COOKIE = "hyperdesk_session"


@pytest.fixture
def app_config(app_config):
    app_config["DEV_LOGIN"] = True
    return app_config


@pytest.fixture(autouse=True)
def approved_only_page(app):
    """A page for approved people only (the gate's default): 200 when signed in, a redirect otherwise."""
    app.add_url_rule("/test/work", "work", lambda: "working")


def dev_sign_in(client, email="alice@example.com"):
    response = client.post("/auth/dev-login", data={"email": email}, headers={"User-Agent": FIREFOX})
    assert response.status_code == 302
    return response


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def copy_cookie(source, target):
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def works(client):
    return client.get("/test/work").status_code == 200


def actions():
    return [row.action for row in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def rows_of(user):
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def test_a_cookie_copied_before_sign_out_gets_the_sign_in_page_after_it(app, client, approved_user):
    dev_sign_in(client)
    thief = app.test_client()
    copy_cookie(client, thief)
    assert works(client) and works(thief)

    assert client.post("/auth/logout").status_code == 302

    refused = thief.get("/test/work")
    assert refused.status_code == 302 and refused.location.startswith("/auth/login")
    (row,) = rows_of(approved_user)
    assert row.ended_at is not None
    assert actions() == ["auth.signed_in", "auth.signed_out"]
    signed_in = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.signed_in"))
    assert signed_in.actor_id == approved_user.id and signed_in.details == {"method": "development", "session": row.id}


def test_the_cookie_holds_a_token_and_the_table_only_its_hash(app, client, approved_user):
    dev_sign_in(client)
    with client.session_transaction() as session:
        token = session["_user_id"]
    (row,) = rows_of(approved_user)
    assert len(token) == 43 and token not in row.token_hash and len(row.token_hash) == 64
    assert token not in str(db.session.scalars(select(AuditEvent.details)).all())
    assert (row.device, row.network) == ("Firefox on Linux", "127.0.0.0/24")


def test_the_cookie_lasts_the_sessions_lifetime_and_is_not_sent_again_on_every_page(app, client, approved_user):
    signed_in = dev_sign_in(client)
    cookie = next(h for h in signed_in.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    lifetime = expires - datetime.now(UTC)
    assert timedelta(days=app.config["SESSION_LIFETIME_DAYS"]) - lifetime < timedelta(minutes=1)
    client.get("/test/work")  # the first page after sign-in may still store the form token
    page = client.get("/test/work")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers


@pytest.mark.parametrize("value", ["1:1", "2:1", "x" * 43, "", "1:" + "a" * 43, "\x00" * 43])
def test_a_forged_or_old_style_cookie_signs_nobody_in(client, approved_user, value):
    with client.session_transaction() as session:
        session["_user_id"] = value
    refused = client.get("/test/work")
    assert refused.status_code == 302 and refused.location.startswith("/auth/login")


def test_a_session_idle_for_longer_than_the_idle_timeout_has_ended(app, client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    assert works(client)
    idle = timedelta(hours=app.config["SESSION_IDLE_HOURS"])
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - idle + timedelta(minutes=5)))
    db.session.commit()
    assert works(client)  # used within the limit: still live, and its last use moves to now
    assert utcnow() - rows_of(approved_user)[0].last_seen_at < timedelta(minutes=1)

    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - idle - timedelta(minutes=1)))
    db.session.commit()
    assert not works(client)


def test_the_idle_timeout_is_a_setting(app, client, sign_in, approved_user):
    app.config["SESSION_IDLE_HOURS"] = 1
    sign_in.as_user(approved_user)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    assert not works(client)


def test_a_session_ends_at_the_end_of_its_lifetime_however_busy(app, client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    lifetime = timedelta(days=app.config["SESSION_LIFETIME_DAYS"])
    db.session.execute(update(UserSession).values(created_at=utcnow() - lifetime + timedelta(minutes=1)))
    db.session.commit()
    assert works(client)
    db.session.execute(update(UserSession).values(created_at=utcnow() - lifetime - timedelta(minutes=1)))
    db.session.commit()
    assert not works(client)  # used a moment ago, and still over


def test_last_use_is_written_at_most_once_a_minute(app, client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    updates = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE USER_SESSION") and "WHERE" in statement.upper():
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert works(client)
        assert updates == []
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
        for _ in range(5):
            assert works(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(updates) == 1


def test_sign_out_everywhere_else_ends_the_other_browsers_and_keeps_this_one(app, client, approved_user):
    dev_sign_in(client)
    phone, laptop = app.test_client(), app.test_client()
    dev_sign_in(phone)
    SignIn(laptop).as_user(approved_user)
    version = approved_user.session_version
    page = client.get("/settings/").get_data(as_text=True)
    assert page.count('id="session-') == 3 and "This browser" in page and "Sign out everywhere else" in page

    response = client.post("/settings/sessions/end-others")

    assert response.status_code == 303 and response.location.endswith("/settings/#sessions")
    assert works(client) and not works(phone) and not works(laptop)
    assert db.session.get(User, approved_user.id).session_version == version + 1  # API tokens end too
    open_rows = [row for row in rows_of(approved_user) if row.ended_at is None]
    assert len(open_rows) == 1
    page = client.get("/settings/").get_data(as_text=True)
    assert page.count('id="session-') == 1 and "Signed out everywhere else (2 other sessions ended)." in page
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.actor_id, last.details) == (
        "auth.signed_out_everywhere",
        approved_user.id,
        {"sessions": 2},
    )


def test_sign_out_everywhere_else_answers_htmx_with_the_section(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    response = client.post("/settings/sessions/end-others", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith('<section id="sessions"') and "HX-Trigger" in response.headers
    assert works(client)


def test_sign_out_everywhere_else_needs_the_forms_token(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    other = SignIn(client.application.test_client())
    other.as_user(approved_user)
    response = client.post("/settings/sessions/end-others", csrf=False)
    assert response.status_code == 400
    assert all(row.ended_at is None for row in rows_of(approved_user))


def test_suspension_ends_every_session_and_a_new_one_starts_on_the_new_version(app, client, admin, approved_user):
    from webapp.services import access

    dev_sign_in(client)
    access.suspend(db.session.get(User, approved_user.id), db.session.get(User, admin.id))
    refused = client.get("/test/work")
    assert refused.status_code == 302 and refused.location.startswith("/auth/login")


def test_a_sign_in_the_registration_mode_refuses_is_audited(app, client, admin):
    site_settings.update({"registration_mode": site_settings.CLOSED}, admin)
    response = client.post("/auth/dev-login", data={"email": "stranger@example.net"})
    assert response.status_code == 403
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed"))
    assert failed.actor_id is None
    assert failed.details == {"reason": "registration_closed", "method": "development", "email": "stranger@example.net"}
    assert db.session.scalar(select(User).where(User.email == "stranger@example.net")) is None


def test_a_mistyped_development_address_is_a_form_error_not_an_audit_event(client):
    response = client.post("/auth/dev-login", data={"email": "not an address"})
    assert response.status_code == 400
    assert actions() == []


def test_signing_out_without_a_session_is_harmless(client):
    assert client.post("/auth/logout").status_code == 302
    assert actions() == []


def test_the_audit_log_in_the_back_office_shows_sign_ins(app, client, admin):
    SignIn(client).as_user(admin)
    other = app.test_client()
    dev_sign_in(other, "bob@example.com")
    page = client.get("/admin/audit-log/?search=auth.signed_in").get_data(as_text=True)
    assert "auth.signed_in" in page and "bob@example.com" in page


def test_signing_in_again_in_the_same_browser_replaces_its_session(app, client, approved_user):
    dev_sign_in(client)
    earlier = app.test_client()
    copy_cookie(client, earlier)
    dev_sign_in(client)
    assert works(client) and not works(earlier)
    (row,) = rows_of(approved_user)  # the replaced session, ended, went with the sign-in's tidying
    assert row.ended_at is None


def test_scripts_outside_the_app_open_a_session_through_the_database(app, client, approved_user):
    from webapp.services.sessions import open_session_in

    token = open_session_in(app.config["SQLALCHEMY_DATABASE_URI"], approved_user.id, "Benchmark")
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert works(client)
    assert [row.device for row in rows_of(approved_user)] == ["Benchmark"]
