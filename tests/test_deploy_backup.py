"""scripts/backup-db and scripts/restore-db: a round trip keeps every row; a database with data is never overwritten."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import create_postgres_database, drop_postgres_database, migrate_to_head

ROOT = Path(__file__).resolve().parent.parent
BACKUP, RESTORE = str(ROOT / "scripts" / "backup-db"), str(ROOT / "scripts" / "restore-db")

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")),
    reason="PostgreSQL client tools are not installed",
)


def render_url(url):
    """``url`` as Render hands it over: postgres://, no driver name."""
    return "postgres://" + url.split("://", 1)[1]


def run(script, *args, database_url=None):
    """Run one of the scripts with DATABASE_URL set (or unset)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run([script, *args], env=env, capture_output=True, text=True, timeout=60)


def counts(url):
    """Rows in the tables the rehearsal and operators care about."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("users", "project", "alembic_version")
            }
    finally:
        engine.dispose()


@pytest.fixture
def source_url(tmp_path):
    """A migrated database holding two users and a project."""
    url = create_postgres_database("hyperdesk_backup")
    migrate_to_head(url, tmp_path)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (email, name) VALUES ('a@example.com', 'A'), ('b@example.com', 'B')")
        )
        connection.execute(text("INSERT INTO project (owner_id, name) SELECT min(id), 'P' FROM users"))
    engine.dispose()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def empty_url():
    """An empty database to restore into."""
    url = create_postgres_database("hyperdesk_restore")
    yield url
    drop_postgres_database(url)


def test_backup_then_restore_into_an_empty_database_keeps_every_row(source_url, empty_url, tmp_path):
    backup = run(BACKUP, str(tmp_path / "backups"), database_url=render_url(source_url))
    assert backup.returncode == 0, backup.stderr
    path = Path(backup.stdout.strip())
    assert path.parent == tmp_path / "backups" and path.name.startswith("hyperdesk-") and path.suffix == ".dump"
    restore = run(RESTORE, str(path), database_url=render_url(empty_url))
    assert restore.returncode == 0, restore.stderr
    assert counts(empty_url) == counts(source_url) == {"users": 2, "project": 1, "alembic_version": 1}


def test_restore_refuses_a_database_that_is_not_empty(source_url, tmp_path):
    path = run(BACKUP, str(tmp_path), database_url=render_url(source_url)).stdout.strip()
    result = run(RESTORE, path, database_url=render_url(source_url))
    assert result.returncode == 1
    assert "refusing to restore: database" in result.stderr and "is not empty" in result.stderr
    assert counts(source_url)["users"] == 2


def test_restore_refuses_a_file_that_is_not_a_backup(empty_url, tmp_path):
    bogus = tmp_path / "notes.dump"
    bogus.write_text("not a dump")
    result = run(RESTORE, str(bogus), database_url=render_url(empty_url))
    assert result.returncode == 1
    assert "is not a backup made by scripts/backup-db" in result.stderr


def test_backup_without_database_url_says_what_is_missing(tmp_path):
    result = run(BACKUP, str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("backup-db: DATABASE_URL is not set")
    assert list(tmp_path.iterdir()) == []


def test_database_password_leaves_the_url_for_pgpassword():
    """backup-db and restore-db must not put the password on a command line, where `ps` shows it."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "lib" / "libpq-url.sh"
    result = subprocess.run(
        ["bash", "-c", f'source "{script}"; printf "%s|%s|%s" "$url" "$PGPASSWORD" "$database"'],
        env={
            "DATABASE_URL": "postgres://hyper:p%40ss%3Aw%2Frd@db.internal:5432/hyperdesk?sslmode=require",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "postgresql://hyper@db.internal:5432/hyperdesk?sslmode=require|p@ss:w/rd|hyperdesk"
