"""Start-up preparation: configuration check, then migrations under the advisory lock, or no start at all."""

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import app_overrides, create_postgres_database, drop_postgres_database
from tests.copies import table_names
from tests.fakes.relay import Relay
from webapp import create_app, startup

ROOT = Path(__file__).resolve().parent.parent
LOCK_KEY = int(re.search(r"MIGRATION_LOCK_KEY = ([\d_]+)", (ROOT / "migrations" / "env.py").read_text()).group(1))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with no tables, for this test only."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'startup.db'}"
        return
    url = create_postgres_database("hyperdesk_startup")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def empty_postgres_url():
    """An empty PostgreSQL database, for this test only."""
    url = create_postgres_database("hyperdesk_startup")
    yield url
    drop_postgres_database(url)


# Every revision, oldest first, as a fresh database applies them.
ALL_REVISIONS = sorted(
    path.name.split("_", 1)[0]
    for path in (Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("0*.py")
)


def test_prepare_migrates_an_empty_database_then_finds_nothing_to_do(empty_database_url, tmp_path, caplog):
    app = create_app(app_overrides(empty_database_url, UPLOAD_FOLDER=str(tmp_path)))
    caplog.set_level(logging.INFO, logger="webapp.startup")
    assert startup.prepare(app) == ALL_REVISIONS
    assert startup.prepare(app) == []
    assert f"Database already at {ALL_REVISIONS[-1]}: nothing to migrate." in caplog.messages
    assert {"users", "access_request", "alembic_version"} <= table_names(empty_database_url)


def test_production_configuration_errors_stop_the_start_before_any_migration(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k3Jx9-production-secret-that-is-long-enough-0123456789")
    url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "GOOGLE_CLIENT_ID": "", "CLOUDINARY_URL": ""})
    with pytest.raises(startup.StartupFailed, match=r"Refusing to start: 4 configuration error\(s\)"):
        startup.prepare(app)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(message.startswith("check-deploy: CLOUDINARY_URL is not set") for message in errors)
    assert table_names(url) == set()


def test_failed_migration_is_rolled_back_and_stops_the_start(empty_postgres_url, tmp_path, caplog):
    engine = create_engine(empty_postgres_url)
    with engine.begin() as connection:
        # The initial revision creates this table last, after six others.
        connection.execute(text("CREATE TABLE bullet_item (id integer)"))
    engine.dispose()
    app = create_app(app_overrides(empty_postgres_url, UPLOAD_FOLDER=str(tmp_path)))
    with pytest.raises(SystemExit) as exit_info:
        startup.prepare_or_exit(app)
    assert exit_info.value.code == 1
    assert any("the database migration failed and was rolled back (ProgrammingError" in m for m in caplog.messages)
    assert table_names(empty_postgres_url) == {"bullet_item"}


def test_unreachable_database_stops_the_start_with_one_clear_line(tmp_path, caplog):
    app = create_app(
        app_overrides("postgresql://postgres@127.0.0.1:1/nowhere", UPLOAD_FOLDER=str(tmp_path), DB_START_WAIT_SECONDS=1)
    )
    with pytest.raises(SystemExit):
        startup.prepare_or_exit(app)
    refusal = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(refusal) == 1
    message = refusal[0].getMessage()
    assert message.startswith("Refusing to start: the database did not answer within 1 s (OperationalError: ")
    assert "refused" in message.lower()


def test_start_waits_for_the_database_logging_one_line_per_attempt(empty_postgres_url, tmp_path, caplog):
    relay = Relay(make_url(empty_postgres_url).port or 5432)
    try:
        url = make_url(empty_postgres_url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        app = create_app(app_overrides(url, UPLOAD_FOLDER=str(tmp_path), DB_START_WAIT_SECONDS=20))
        # The database "comes back" 1.5 s after start-up begins, however long building the app took.
        relay.open_after(1.5)
        with caplog.at_level(logging.INFO, logger="webapp.startup"):
            startup.prepare(app)
    finally:
        relay.close()
    waits = [r.getMessage() for r in caplog.records if getattr(r, "event", None) == "database_wait"]
    assert len(waits) >= 2
    assert all(message.startswith("Waiting for the database (attempt ") for message in waits)
    assert "bullet_item" in table_names(empty_postgres_url)


def _start_release_command(url):
    env = dict(os.environ, APP_ENV="testing", LOG_FORMAT="json", DATABASE_URL=url)
    return subprocess.Popen(
        [sys.executable, "-m", "webapp.startup"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_lock_waiters(engine, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalar()
        if waiting >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} processes never queued for the migration lock")


def _applied(output):
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [event["applied"] for event in events if event.get("event") == "migrated"]


def test_two_starts_at_once_migrate_one_after_the_other(empty_postgres_url):
    engine = create_engine(empty_postgres_url)
    holder = engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
    processes = [_start_release_command(empty_postgres_url) for _ in range(2)]
    try:
        _wait_for_lock_waiters(engine, 2)
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        holder.close()
        outputs = [process.communicate(timeout=60)[0] for process in processes]
        engine.dispose()
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted(applied for output in outputs for applied in _applied(output)) == [[], ALL_REVISIONS]
