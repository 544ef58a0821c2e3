"""Configuration: environment parsing, DATABASE_URL forms, and production's refusal of unsafe settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import ConfigError, normalise_database_url, secret_key_problem
from webapp.extensions import db

GOOD_SECRET = "k3Jx9-production-secret-that-is-long-enough-0123456789"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment for create_app, pointed at a throwaway SQLite file."""
    for name in ("SECRET_KEY", "DATABASE_URL", "DEV_LOGIN", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'config.db'}")
    return monkeypatch


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@host:5432/db", "postgresql+psycopg2://u:p@host:5432/db"),
        ("postgresql://u:p@host/db?sslmode=require", "postgresql+psycopg2://u:p@host/db?sslmode=require"),
        ("postgresql+psycopg2://u@host/db", "postgresql+psycopg2://u@host/db"),
        ("sqlite:///instance/app.db", "sqlite:///instance/app.db"),
    ],
)
def test_database_url_forms_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_render_style_postgres_url_is_accepted_by_the_app(env):
    env.setenv("APP_ENV", "testing")
    env.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg2://")
    # Connections are checked after sitting idle instead (tests/test_database_faults.py), not before every request.
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert app.config["DB_PING_AFTER_IDLE"] == 1


def test_default_database_is_sqlite_under_instance(env):
    env.setenv("APP_ENV", "development")
    env.delenv("DATABASE_URL")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/hyperdesk.db"


def test_sqlite_connections_use_wal_foreign_keys_and_a_small_page_cache(env):
    # Each of a worker's connections keeps a page cache: 512 KiB, not SQLite's 2,000 (docs/performance.md).
    env.setenv("APP_ENV", "testing")
    app = create_app()
    with app.app_context():
        with db.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert (pragma("journal_mode"), pragma("foreign_keys"), pragma("busy_timeout")) == ("wal", 1, 5000)
            assert pragma("cache_size") == -512
        db.engine.dispose()


def test_development_without_google_offers_dev_sign_in(env):
    env.setenv("APP_ENV", "development")
    assert create_app().config["DEV_LOGIN"] is True


def test_development_with_google_credentials_hides_dev_sign_in(env):
    env.setenv("APP_ENV", "development")
    env.setenv("GOOGLE_CLIENT_ID", "id")
    env.setenv("GOOGLE_CLIENT_SECRET", "secret")
    assert create_app().config["DEV_LOGIN"] is False


def test_production_starts_with_a_strong_secret(env):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", GOOD_SECRET)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEV_LOGIN"] is False


@pytest.mark.parametrize(
    "secret, complaint",
    [
        (None, "SECRET_KEY is not set"),
        ("short-secret", "SECRET_KEY is too short"),
        ("dev-only-not-secret", "well-known default"),
        ("you-will-never-guess", "well-known default"),
        # Issue 16: long is not strong.
        (" " * 32, "too easy to guess: it uses only 1 different character;"),
        ("a" * 40, "too easy to guess: it uses only 1 different character;"),
        ("Passw0rd!" * 4, "too easy to guess: it repeats a shorter pattern"),
        ("eadcbebdaecadbecdaebcaedbacedbea", "too easy to guess: it uses only 5 different characters"),
        ("0123456789abcdef" * 2, "too easy to guess: it repeats a shorter pattern"),
        ("abcdefghijklmnopqrstuvwxyz0123456789", "too easy to guess: it is mostly runs or sequences"),
        ("zq" * 11 + "0a1b2c3d4e", "too easy to guess: its estimated entropy is about 84 bits"),
    ],
)
def test_production_refuses_a_weak_secret(env, secret, complaint):
    env.setenv("APP_ENV", "production")
    if secret:
        env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=complaint):
        create_app()


@pytest.mark.parametrize(
    "generate", [lambda: secrets.token_hex(16), lambda: secrets.token_hex(32), lambda: secrets.token_urlsafe(24)]
)
def test_production_accepts_generated_secrets(env, generate):
    assert [secret_key_problem(generate()) for _ in range(500)] == [None] * 500
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", generate())
    assert create_app().secret_key


def test_a_refused_secret_is_never_quoted(env):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", "Zq" * 20)
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "Zq" not in str(refused.value)


def test_production_lists_every_problem_at_once(env):
    env.setenv("APP_ENV", "production")
    env.setenv("DEV_LOGIN", "1")
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert "SECRET_KEY is not set" in message
    assert "DEV_LOGIN is on" in message
    assert len(refused.value.problems) == 2


def test_dev_sign_in_cannot_be_forced_on_in_production(env):
    env.setenv("APP_ENV", "production")
    env.setenv("SECRET_KEY", GOOD_SECRET)
    with pytest.raises(ConfigError, match="DEV_LOGIN"):
        create_app({"DEV_LOGIN": True})


def test_session_limits_default_to_72_hours_idle_and_14_days(env):
    env.setenv("APP_ENV", "testing")
    app = create_app()
    assert (app.config["SESSION_IDLE_HOURS"], app.config["SESSION_LIFETIME_DAYS"]) == (72, 14)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == 14 * 24 * 3600
    env.setenv("SESSION_IDLE_HOURS", "8")
    env.setenv("SESSION_LIFETIME_DAYS", "1")
    app = create_app()
    assert (app.config["SESSION_IDLE_HOURS"], app.config["PERMANENT_SESSION_LIFETIME"]) == (8, 24 * 3600)


@pytest.mark.parametrize("name", ["SESSION_IDLE_HOURS", "SESSION_LIFETIME_DAYS"])
def test_a_session_limit_that_ends_every_session_at_once_is_refused(env, name):
    env.setenv("APP_ENV", "testing")
    env.setenv(name, "0")
    with pytest.raises(ConfigError, match=name):
        create_app()


def test_unknown_environment_is_refused(env):
    env.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="APP_ENV"):
        create_app()


def test_factory_can_build_many_apps(env):
    env.setenv("APP_ENV", "testing")
    first, second = create_app(), create_app()
    assert first is not second
    with second.test_client() as client:
        assert client.get("/health").status_code == 200
    with first.test_client() as client:
        assert client.get("/health").status_code == 200


def test_an_app_on_sqlite_never_imports_the_postgresql_dialect(tmp_path):
    # About 2 MiB in every worker (docs/performance.md): the models name no PostgreSQL type or option at import.
    code = (
        "import sys\n"
        "from webapp import create_app\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/app.db', 'SECRET_KEY': 'k' * 40}})\n"
        "assert app.test_client().get('/health').status_code in (200, 503)\n"
        "print(sorted(m for m in sys.modules if 'postgresql' in m or 'psycopg' in m))\n"
    )
    env = {**os.environ, "APP_ENV": "testing"}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
