"""Notification e-mails through a real SMTP server on 127.0.0.1; a dead or hanging one loses nothing."""

import logging

import pytest
from sqlalchemy import select

from tests.fakes.smtp import HangingSMTPServer, SMTPServer, closed_port
from webapp.extensions import db
from webapp.models import AccessRequest, AccountStatus, OutboxMessage, OutboxStatus, RequestStatus, User
from webapp.outbox import stop_delivery

REASON = "I coordinate the warehouse move and need the specifications."


@pytest.fixture(autouse=True)
def stopped_delivery(app):
    """Stop the background delivery thread a test may have started, before its database is emptied."""
    yield
    stop_delivery(app, timeout=10)


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; the app sends its mail there."""
    server = SMTPServer().start()
    send_mail_to(app, server.port)
    yield server
    server.stop()


def send_mail_to(app, port, **settings):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_TLS=False,
        MAIL_SENDER="Hyperdesk <desk@example.org>",
        **settings,
    )


@pytest.fixture
def admins(make, admin):
    """Two approved administrators, and one suspended one who must not be told anything."""
    make.user(email="suspended-admin@example.com", role="admin", status="suspended")
    return [admin, make.user(email="grace@example.com", role="admin", status="approved")]


def test_administrators_get_an_email_when_a_request_arrives(smtp, client, sign_in, admins, pending_user):
    sign_in.as_user(pending_user)
    client.post("/access/request", data={"reason": REASON})
    (mail,) = smtp.messages
    assert mail.recipients == ["admin@example.com", "grace@example.com"]
    assert mail.sender == "desk@example.org" and mail.message["From"] == "Hyperdesk <desk@example.org>"
    assert mail.message["Subject"] == "Hyperdesk: access request from newcomer@example.com"
    assert "Nina <newcomer@example.com> asks for access" in mail.body
    assert REASON in mail.body and "http://127.0.0.1:5000/access/queue" in mail.body


def test_links_use_the_public_url_when_set(app, smtp, client, sign_in, admins, pending_user):
    app.config["PUBLIC_URL"] = "https://desk.example.org"
    sign_in.as_user(pending_user)
    client.post("/access/request", data={"reason": REASON})
    assert "https://desk.example.org/access/queue" in smtp.messages[0].body


@pytest.mark.parametrize("public_url", ["https://desk.example.org", ""])
def test_links_never_come_from_the_requests_host(app, smtp, client, sign_in, admins, pending_user, public_url):
    # Issue 16: a newcomer's X-Forwarded-Host (or Host) chose where every administrator's link pointed.
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.config["PUBLIC_URL"] = public_url
    app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)  # even where the host a proxy forwards is believed
    sign_in.as_user(pending_user)
    client.post("/access/request", data={"reason": REASON}, headers={"X-Forwarded-Host": "evil.example"})
    body = smtp.messages[0].body
    assert "evil.example" not in body
    assert f"{public_url or 'http://127.0.0.1:5000'}/access/queue" in body


def decide(app, admin, access_request, decision, note=""):
    from tests.plugins.accounts import SignIn

    client = app.test_client()
    SignIn(client).as_user(admin)
    return client.post(f"/access/queue/{access_request.id}/{decision}", data={"note": note})


def test_person_is_told_of_an_approval_with_the_note_and_a_link(app, smtp, admin, pending_user, make):
    decide(app, admin, make.access_request(pending_user), "approve", note="Welcome to the team!")
    (mail,) = smtp.messages
    assert mail.recipients == ["newcomer@example.com"]
    assert mail.message["Subject"] == "Your Hyperdesk access was approved"
    assert "Hello Nina" in mail.body and "was approved" in mail.body
    assert "Welcome to the team!" in mail.body and "http://127.0.0.1:5000/\n" in mail.body


def test_person_is_told_of_a_rejection_with_the_note_and_their_status_page(app, smtp, admin, pending_user, make):
    decide(app, admin, make.access_request(pending_user), "reject", note="Please use your work address.")
    (mail,) = smtp.messages
    assert mail.message["Subject"] == "Your Hyperdesk access request was not approved"
    assert "Please use your work address." in mail.body and "http://127.0.0.1:5000/access/" in mail.body


def test_a_batch_decision_tells_every_person(app, smtp, admin, make):
    people = [make.user(email=f"p{n}@example.org", status="pending") for n in range(3)]
    requests = [make.access_request(person) for person in people]
    from tests.plugins.accounts import SignIn

    client = app.test_client()
    SignIn(client).as_user(admin)
    client.post("/access/queue/batch", data={"decision": "reject", "ids": [r.id for r in requests]})
    assert sorted(mail.recipients[0] for mail in smtp.messages) == [p.email for p in people]


def test_request_is_saved_and_its_email_kept_for_a_retry_when_the_mail_server_is_down(
    app, client, sign_in, admins, pending_user, caplog
):
    send_mail_to(app, closed_port())
    sign_in.as_user(pending_user)
    with caplog.at_level(logging.WARNING, logger="webapp.services.outbox"):
        response = client.post("/access/request", data={"reason": REASON})
    assert response.status_code == 302
    assert db.session.scalar(select(AccessRequest.status)) == RequestStatus.pending
    message = db.session.scalar(select(OutboxMessage))
    assert (message.status, message.attempts) == (OutboxStatus.pending, 1)
    assert message.last_error.startswith("ConnectionRefusedError")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "webapp.services.outbox"]
    assert line.startswith(
        f"E-mail {message.id} to admin@example.com, grace@example.com failed (ConnectionRefusedError"
    )
    assert line.endswith("attempt 1, will retry.")


def test_decision_is_saved_and_its_email_kept_for_a_retry_when_the_mail_server_is_down(app, admin, pending_user, make):
    send_mail_to(app, closed_port())
    access_request = make.access_request(pending_user)
    response = decide(app, admin, access_request, "approve")
    assert response.status_code == 302
    assert db.session.get(User, pending_user.id).status == AccountStatus.approved
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipients == ["newcomer@example.com"] and message.status == OutboxStatus.pending


def test_a_hanging_mail_server_does_not_hold_up_the_request(app, client, sign_in, admins, pending_user):
    hanging = HangingSMTPServer().start()
    try:
        send_mail_to(app, hanging.port, MAIL_ASYNC=True, MAIL_TIMEOUT=30)
        sign_in.as_user(pending_user)
        response = client.post("/access/request", data={"reason": REASON})
        assert response.status_code == 302
        assert db.session.scalar(select(AccessRequest.status)) == RequestStatus.pending
        # The mail was really on its way: the server holds the connection, unanswered, still now.
        assert hanging.connected.wait(5)
        assert hanging.is_hanging
    finally:
        hanging.stop()


def test_background_delivery_reaches_the_server(app, smtp, client, sign_in, admins, pending_user):
    app.config["MAIL_ASYNC"] = True
    sign_in.as_user(pending_user)
    client.post("/access/request", data={"reason": REASON})
    (mail,) = smtp.wait_for(1)
    assert mail.recipients == ["admin@example.com", "grace@example.com"]


def test_without_a_mail_server_the_email_is_written_to_the_log_and_kept(client, sign_in, admins, pending_user, caplog):
    sign_in.as_user(pending_user)
    with caplog.at_level(logging.INFO, logger="webapp.services.mail"):
        client.post("/access/request", data={"reason": REASON})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "webapp.services.mail"]
    assert "not sent" in line and "Hyperdesk: access request from newcomer@example.com" in line and REASON in line
    assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.pending


def test_without_any_administrator_the_request_is_kept_and_the_gap_logged(smtp, client, sign_in, pending_user, caplog):
    sign_in.as_user(pending_user)
    with caplog.at_level(logging.WARNING, logger="webapp.services.notifications"):
        client.post("/access/request", data={"reason": REASON})
    assert smtp.messages == []
    assert db.session.scalar(select(AccessRequest.status)) == RequestStatus.pending
    assert "No administrator to tell" in caplog.text
