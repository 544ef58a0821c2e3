"""Shared fixtures: an app on SQLite and on PostgreSQL, clients, factories and sign-in helpers.

Every test that takes ``app`` (or anything built on it) runs once per database. Each
pytest session migrates its own fresh databases with the real Alembic revisions and
empties every table after each test.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

os.environ["APP_ENV"] = "testing"

from tests.plugins.client import TestClient  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.database import ensure_migrations  # noqa: E402
from webapp.extensions import db  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgresql")

pytest_plugins = ["tests.plugins.accounts", "tests.plugins.api", "tests.plugins.browser", "tests.plugins.google"]


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def postgres_admin_url():
    """The PostgreSQL server tests may create databases on, or skip/fail with a clear reason."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES_URL)
    url = url.replace("postgres://", "postgresql+psycopg2://", 1).replace("postgresql://", "postgresql+psycopg2://", 1)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the server means "no PostgreSQL here"
        reason = f"PostgreSQL is not reachable at {make_url(url).render_as_string()}: {error.__class__.__name__}"
        if _flag("REQUIRE_POSTGRES"):
            pytest.fail(f"{reason} (REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return make_url(url)


def app_overrides(database_url, **overrides):
    """App overrides for tests: the given database, no rate limits, synchronous mail."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "MAIL_ASYNC": False,
        "MAIL_SERVER": "",
        "DEV_LOGIN": False,
        "GOOGLE_CLIENT_ID": "",
        "GOOGLE_CLIENT_SECRET": "",
        "ADMIN_EMAILS": [],
        "AUTO_APPROVE_DOMAINS": [],
        "CLOUDINARY_URL": "",
        "PROXY_FIX_HOPS": 0,
        # Each process re-reads the site settings at most this often; tests of the bound set their own.
        "SITE_SETTINGS_MAX_AGE": 300,
    }
    config.update(overrides)
    return config


def migrate_to_head(database_url, tmp_path):
    """Run the real Alembic migrations on ``database_url``."""
    from flask_migrate import upgrade

    app = create_app(app_overrides(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads")))
    ensure_migrations(app)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def create_postgres_database(prefix="hyperdesk_test"):
    """Create an empty, uniquely named PostgreSQL database; returns its URL."""
    admin_url = postgres_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url):
    """Drop a database made by :func:`create_postgres_database`, closing stray connections."""
    url = make_url(url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated database for the whole session: a SQLite file, or a fresh PostgreSQL database."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hyperdesk-test.db'}"
        migrate_to_head(url, tmp_path)
        yield url
        return
    url = create_postgres_database()
    try:
        migrate_to_head(url, tmp_path)
        yield url
    finally:
        drop_postgres_database(url)


def empty_all_tables():
    """Delete every row so the next test starts from an empty, migrated schema."""
    quote = db.engine.dialect.identifier_preparer.format_table  # a scaffolded ``orders`` has the table "order"
    tables = [quote(table) for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE TABLE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


@pytest.fixture
def app_config(database_url, tmp_path):
    """Overrides for this test's app; tests may update it before first using ``app``."""
    return app_overrides(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"))


@pytest.fixture
def app(app_config):
    """The application, with an app context pushed for the test's direct database work."""
    app = create_app(app_config)
    app.test_client_class = TestClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client that keeps cookies and sends CSRF tokens (``csrf=False`` to leave them out)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Runs the app's ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def backend(app):
    """'sqlite' or 'postgresql': the database this test runs on."""
    return db.engine.dialect.name


class QueryCounter:
    """Counts the SQL statements sent to the database while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        self.statements.clear()
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """A context manager counting SQL statements: ``with count_queries() as counter: ...``.

    The site settings are read first, as a running process has them: one statement per process
    every SITE_SETTINGS_MAX_AGE seconds, not per request (tests/test_site_settings.py counts that).
    """
    from webapp.services import site_settings

    site_settings.current()
    return lambda: QueryCounter(db.engine)
