"""Reminders: ``flask access remind`` e-mails the deciders one digest of requests waiting too long, once per period."""

import shlex
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from tests.fakes.smtp import SMTPServer, closed_port
from tests.test_deploy_blueprint import SERVICE_KEYS
from webapp import create_app
from webapp.extensions import db
from webapp.models import AccessRequest, AuditEvent, OutboxMessage, utcnow
from webapp.outbox import stop_delivery
from webapp.services import reminders, site_settings
from webapp.services.mail import current_mailer


@pytest.fixture(autouse=True)
def stopped_delivery(app):
    """Stop a delivery thread a command started, before the tables are emptied."""
    yield
    stop_delivery(app, timeout=10)


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1 that receives the digests."""
    server = SMTPServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    yield server
    server.stop()


@pytest.fixture
def deciders(make, admin):
    """An administrator and an approver (who decide), and an auditor and a user (who do not)."""
    make.user(email="approver@example.com", role="approver", status="approved")
    make.user(email="auditor@example.com", role="auditor", status="approved")
    make.user(email="someone@example.com", status="approved")
    return ["admin@example.com", "approver@example.com"]


def waiting(make, email, hours, **fields):
    """A pending person whose request was made ``hours`` ago."""
    person = make.user(email=email, name=email.split("@")[0].title(), status="pending")
    return make.access_request(person, created_at=utcnow() - timedelta(hours=hours), **fields)


def outbox_count():
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_requests_waiting_too_long_remind_admins_and_approvers_in_one_digest(runner, make, smtp, deciders):
    old = waiting(make, "olga@example.org", 30, reason="I run the night shift and need the specifications.")
    older = waiting(make, "oscar@example.org", 80)
    waiting(make, "recent@example.org", 2)
    result = runner.invoke(args=["access", "remind"])
    assert result.exit_code == 0, result.output
    assert result.output == "Reminded 2 decider(s) of 2 request(s); the digest is sent.\n"
    [digest] = smtp.wait_for(1)
    assert sorted(digest.recipients) == deciders
    assert digest.message["Subject"] == "Hyperdesk: 2 access requests wait for a decision"
    body = digest.body
    assert body.index("oscar@example.org") < body.index("olga@example.org")  # oldest first
    assert "I run the night shift and need the specifications." in body
    assert "waiting 3 days 8 h" in body and "waiting 30 h" in body
    assert "recent@example.org" not in body
    assert "http://127.0.0.1:5000/access/queue" in body
    db.session.expire_all()
    assert db.session.get(AccessRequest, old.id).reminded_at is not None
    assert db.session.get(AccessRequest, older.id).reminded_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.reminded"))
    assert event.details == {"requests": [older.id, old.id], "recipients": 2, "after_hours": 24}


def test_running_the_command_twice_reminds_nobody_twice(runner, make, smtp, deciders):
    waiting(make, "olga@example.org", 30)
    assert runner.invoke(args=["access", "remind"]).exit_code == 0
    again = runner.invoke(args=["access", "remind"])
    assert again.exit_code == 0
    assert again.output == "No request has waited longer than the reminder time since its last reminder.\n"
    assert len(smtp.wait_for(1)) == 1 and outbox_count() == 1


def test_a_request_still_waiting_a_period_later_is_named_again(app, make, deciders):
    request = waiting(make, "olga@example.org", 30)
    with app.test_request_context():
        assert reminders.remind(current_mailer()).request_ids == [request.id]
        assert reminders.remind(current_mailer(), now=utcnow() + timedelta(hours=23)).request_ids == []
        assert reminders.remind(current_mailer(), now=utcnow() + timedelta(hours=24, minutes=1)).request_ids == [
            request.id
        ]
    assert outbox_count() == 2


def test_decided_requests_are_never_named(app, make, admin, deciders):
    waiting(make, "olga@example.org", 30, status="approved", decided_by_id=admin.id, decided_at=utcnow())
    with app.test_request_context():
        assert reminders.remind(current_mailer()).request_ids == []
    assert outbox_count() == 0


def test_the_waiting_time_is_the_site_setting(app, make, admin, deciders):
    request = waiting(make, "olga@example.org", 3)
    with app.test_request_context():
        assert reminders.remind(current_mailer()).request_ids == []
        site_settings.update({"reminder_after_hours": 2}, admin)
        assert reminders.remind(current_mailer()).request_ids == [request.id]


def test_without_anyone_to_decide_the_command_fails_and_marks_nothing(runner, make):
    request = waiting(make, "olga@example.org", 30)
    result = runner.invoke(args=["access", "remind"])
    assert result.exit_code == 1
    assert "1 request(s) wait, and there is no approved administrator or approver" in result.output
    db.session.expire_all()
    assert db.session.get(AccessRequest, request.id).reminded_at is None and outbox_count() == 0


def test_without_a_mail_server_the_digest_waits_in_the_outbox(runner, make, deciders):
    waiting(make, "olga@example.org", 30)
    result = runner.invoke(args=["access", "remind"])
    assert result.exit_code == 0
    assert result.output.endswith("the digest is in the outbox.\n")
    assert outbox_count() == 1


def test_a_mail_server_that_is_down_leaves_the_digest_to_be_retried(app, runner, make, deciders):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port(), MAIL_USE_TLS=False)
    waiting(make, "olga@example.org", 30)
    result = runner.invoke(args=["access", "remind"])
    assert result.exit_code == 0
    assert result.output.endswith("the digest is in the outbox.\n")
    assert db.session.scalar(select(OutboxMessage.status)) == "pending"


def test_two_runs_at_the_same_moment_name_each_request_once(app, make, deciders, backend):
    if backend == "sqlite":
        pytest.skip("SQLite serialises writers: two runs cannot overlap")
    requests = [waiting(make, f"person{n}@example.org", 30) for n in range(20)]
    other = create_app(dict(app.config))
    start = threading.Barrier(2)
    named = []

    def run(instance):
        with instance.test_request_context():
            start.wait()
            named.extend(reminders.remind(current_mailer()).request_ids)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(instance,)) for instance in (app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with other.app_context():
        db.engine.dispose()
    assert sorted(named) == sorted(r.id for r in requests)
    assert outbox_count() >= 1


ROOT = Path(__file__).resolve().parents[1]


def commented_cron_job():
    """The cron job render.yaml carries commented out, as Render would read it once uncommented."""
    lines = (ROOT / "render.yaml").read_text().splitlines()
    start = lines.index("  # - type: cron")
    block = []
    for line in lines[start:]:
        if not line.startswith("  # "):
            break
        block.append("  " + line[4:])
    return yaml.safe_load("services:\n" + "\n".join(block))["services"][0]


def test_render_yaml_carries_a_valid_cron_job_for_the_command(app):
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (web,) = [s for s in blueprint["services"] if s["type"] == "web"]
    job = commented_cron_job()
    assert set(job) <= SERVICE_KEYS and job["type"] == "cron" and job["region"] == web["region"]
    assert job["plan"] != "free"  # Render has no free cron jobs: the free Blueprint leaves it commented
    assert len(job["schedule"].split()) == 5
    command = shlex.split(job["startCommand"])
    assert command[:3] == ["flask", "--app", "webapp"]
    assert app.cli.get_command(None, command[3]).get_command(None, command[4]) is not None
    env = {entry["key"]: entry for entry in job["envVars"]}
    assert env["DATABASE_URL"]["fromDatabase"]["name"] == blueprint["databases"][0]["name"]
    assert env["SECRET_KEY"]["fromService"] == {"type": "web", "name": web["name"], "envVarKey": "SECRET_KEY"}
    assert env["PUBLIC_URL"] == {"key": "PUBLIC_URL", "sync": False}
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert f"`{job['schedule']}`" in guide and f"`{job['startCommand']}`" in guide
