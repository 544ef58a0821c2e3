"""The e-mail outbox: written with the change, delivered once after the commit, retried with back-off."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.fakes.smtp import SMTPServer, closed_port
from webapp.extensions import db
from webapp.models import OutboxMessage, OutboxStatus, utcnow
from webapp.outbox import deliver_now, stop_delivery
from webapp.services import outbox
from webapp.services.mail import current_mailer

POLICY = outbox.OutboxPolicy(lease_seconds=60, retry_base_seconds=30, retry_max_seconds=3600, max_attempts=3)


@pytest.fixture(autouse=True)
def stopped_delivery(app):
    """Stop a background delivery thread a test started, before the tables are emptied."""
    yield
    stop_delivery(app, timeout=10)


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 that the app sends to."""
    server = SMTPServer().start()
    use_mail_server(app, server.port)
    yield server
    server.stop()


def use_mail_server(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, OUTBOX_MAX_ATTEMPTS=3)


def enqueue(app, count=1):
    """Messages written and committed the way services write them."""
    with app.test_request_context():
        for number in range(count):
            current_mailer().send([f"person{number}@example.org"], f"Subject {number}", f"Body {number}")
        db.session.commit()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def make_due(message_ids=None):
    """Move the next attempt of waiting messages to now, as time passing would."""
    statement = update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    if message_ids:
        statement = statement.where(OutboxMessage.id.in_(message_ids))
    db.session.execute(statement)
    db.session.commit()


def test_a_rolled_back_change_leaves_no_message(app, smtp):
    with app.test_request_context():
        current_mailer().send(["a@example.org"], "Never", "This change was rolled back.")
        db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert smtp.messages == []


def test_a_committed_message_is_sent_once_and_marked(app, smtp):
    (message,) = enqueue(app)
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.sent, 1)
    assert message.sent_at is not None and message.claimed_until is None
    (received,) = smtp.messages
    assert received.recipients == ["person0@example.org"] and received.message["Message-ID"] == message.message_id
    assert deliver_now(app).sent == []
    assert len(smtp.messages) == 1


def test_a_message_that_failed_is_sent_after_its_back_off_with_the_same_message_id(app):
    use_mail_server(app, closed_port())
    (message,) = enqueue(app)
    db.session.refresh(message)
    assert message.status == OutboxStatus.pending and message.next_attempt_at > utcnow() + timedelta(seconds=20)
    server = SMTPServer().start()
    try:
        use_mail_server(app, server.port)
        assert deliver_now(app).sent == []  # not due yet: the back-off holds it
        make_due()
        assert deliver_now(app).sent == [message.id]
        assert [m.message["Message-ID"] for m in server.messages] == [message.message_id]
    finally:
        server.stop()
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.sent, 2)


def test_back_off_doubles_up_to_its_cap():
    assert [POLICY.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_a_message_is_given_up_on_after_the_last_attempt(app):
    use_mail_server(app, closed_port())
    (message,) = enqueue(app)
    for _ in range(2):
        make_due()
        deliver_now(app)
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.failed, 3)


def test_only_one_claim_holds_a_message(app):
    (message,) = enqueue(app)  # no MAIL_SERVER: stays pending
    assert outbox.claim(db.session, message.id, "first", POLICY) is not None
    assert outbox.claim(db.session, message.id, "second", POLICY) is None


def test_a_claim_whose_lease_ended_can_be_taken_again(app):
    (message,) = enqueue(app)
    outbox.claim(db.session, message.id, "killed-worker", POLICY)
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert outbox.claim(db.session, message.id, "next-worker", POLICY) is not None


def test_a_permanent_refusal_is_given_up_on_at_once_and_retry_sends_it_again(app, smtp, runner):
    class Refusing(SMTPServer):
        async def handle_DATA(self, server, session, envelope):
            return "550 No such mailbox"

    refusing = Refusing().start()
    try:
        use_mail_server(app, refusing.port)
        (message,) = enqueue(app)
    finally:
        refusing.stop()
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.failed, 1)
    use_mail_server(app, smtp.port)
    result = runner.invoke(args=["outbox", "retry"])
    assert "1 message(s) will be sent again" in result.output
    assert runner.invoke(args=["outbox", "deliver"]).output.startswith("1 sent")
    assert [m.message["Message-ID"] for m in smtp.messages] == [message.message_id]


def test_concurrent_deliveries_send_each_message_exactly_once(app, smtp):
    app.config["MAIL_SERVER"] = ""
    messages = enqueue(app, count=12)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    start = threading.Barrier(4)
    reports = []

    def deliver():
        start.wait()
        reports.append(deliver_now(app))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(i for report in reports for i in report.sent) == [m.id for m in messages]
    received = sorted(m.message["Message-ID"] for m in smtp.messages)
    assert received == sorted(m.message_id for m in messages)


def test_background_delivery_sends_after_the_commit(app, smtp):
    app.config["MAIL_ASYNC"] = True
    enqueue(app)
    (received,) = smtp.wait_for(1)
    assert received.recipients == ["person0@example.org"]


def test_the_list_command_shows_undelivered_mail(app, runner):
    enqueue(app, count=2)
    result = runner.invoke(args=["outbox", "list"])
    assert result.exit_code == 0
    assert "person0@example.org" in result.output and "2 undelivered message(s)." in result.output


def test_purge_deletes_old_sent_mail_only(app, smtp, runner):
    sent, waiting = enqueue(app, count=2)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == waiting.id).values(status="pending"))
    db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    result = runner.invoke(args=["outbox", "purge", "--older-than", "30"])
    assert result.output.strip() == "1 message(s) deleted."
    assert db.session.scalars(select(OutboxMessage.id)).all() == [waiting.id]


def test_deliver_command_without_a_mail_server_says_so(runner):
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 1 and "MAIL_SERVER is not set" in result.output


def test_the_back_office_lists_undelivered_mail_only(app, client, sign_in, admin, smtp):
    sent = enqueue(app)[0]
    app.config["MAIL_SERVER"] = ""
    waiting = enqueue(app)[-1]
    sign_in.as_user(admin)
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert waiting.subject in page and "person0@example.org" in page
    assert f'value="{sent.id}"' not in page and f'value="{waiting.id}"' in page


def test_send_again_in_the_back_office_makes_a_given_up_message_due(app, client, sign_in, admin):
    (message,) = enqueue(app)
    db.session.execute(update(OutboxMessage).values(status="failed", attempts=8))
    db.session.commit()
    sign_in.as_user(admin)
    response = client.post("/admin/outbox/action/", data={"action": "retry", "rowid": [str(message.id)]})
    assert response.status_code == 302
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.pending, 0)
