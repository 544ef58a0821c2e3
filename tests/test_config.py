"""Configuration: environment parsing, DATABASE_URL forms, and production's refusal of unsafe settings."""

import pytest

from webapp import create_app
from webapp.config import ConfigError, normalise_database_url

GOOD_SECRET = "x" * 48


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
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_default_database_is_sqlite_under_instance(env):
    env.setenv("APP_ENV", "development")
    env.delenv("DATABASE_URL")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/hyperdesk.db"


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
    ],
)
def test_production_refuses_a_weak_secret(env, secret, complaint):
    env.setenv("APP_ENV", "production")
    if secret:
        env.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=complaint):
        create_app()


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
