"""`flask check-deploy`: every setting production needs, its message, and the exit code."""

import pytest

from webapp import create_app
from webapp.config import Config
from webapp.deploy_checks import Severity, deploy_problems

PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "k3Jx9-production-secret-that-is-long-enough-0123456789",
    "DATABASE_URL": "postgres://hyperdesk:pw@dpg-example-a/hyperdesk",
    "GOOGLE_CLIENT_ID": "1234.apps.googleusercontent.com",
    "GOOGLE_CLIENT_SECRET": "google-secret",
    "ADMIN_EMAILS": "ada@example.com",
    "CLOUDINARY_URL": "cloudinary://123456789012345:cloud-secret@hyperdesk",
    "MAIL_SERVER": "smtp.example.com",
    "MAIL_SENDER": "Hyperdesk <hello@example.com>",
    "REDIS_URL": "redis://red-example:6379",
    "PUBLIC_URL": "https://hyperdesk.example.com",
}


@pytest.fixture
def production_env(monkeypatch):
    """A complete production environment; a test changes one variable to break it."""
    for key in (
        "DEV_LOGIN",
        "GOOGLE_DISCOVERY_URL",
        "PROXY_FIX_HOPS",
        "MAIL_USE_TLS",
        "MAIL_USE_SSL",
        "RATELIMIT_ENABLED",
        "RENDER_EXTERNAL_URL",
        "PROXY_FIX_X_HOST",
        "TRUSTED_HOSTS",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def messages(tmp_path, severity):
    """The messages of one severity for the environment as it stands."""
    config = Config(str(tmp_path)).as_dict()
    return [p.message for p in deploy_problems(config) if p.severity == severity]


def test_complete_production_environment_has_no_problem(production_env, tmp_path):
    assert deploy_problems(Config(str(tmp_path)).as_dict()) == []


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("DATABASE_URL", "", "DATABASE_URL is not set"),
        ("GOOGLE_CLIENT_SECRET", "", "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are required"),
        ("CLOUDINARY_URL", "", "CLOUDINARY_URL is not set"),
        ("CLOUDINARY_URL", "https://api.cloudinary.example/hyperdesk", "CLOUDINARY_URL must look like"),
        ("PUBLIC_URL", "http://hyperdesk.example.com", "PUBLIC_URL must be an https:// address"),
        # Issue 16: without a public address, e-mail links were built from the request's host.
        ("PUBLIC_URL", "", "PUBLIC_URL is not set"),
        ("PUBLIC_URL", "https://", "PUBLIC_URL must be an https:// address"),
        ("PROXY_FIX_X_HOST", "1", "PROXY_FIX_X_HOST is on without TRUSTED_HOSTS"),
        ("ADMIN_EMAILS", "ada@example.com, not-an-address", "not e-mail addresses: not-an-address"),
        ("REDIS_URL", "http://red-example:6379", "REDIS_URL must start with redis://"),
        # Every request thread may hold a connection and wait for a second one (the last-seen write).
        ("DB_MAX_OVERFLOW", "1", "DB_POOL_SIZE + DB_MAX_OVERFLOW is 5, below GUNICORN_THREADS + 2 (6)"),
        ("GUNICORN_THREADS", "8", "DB_POOL_SIZE + DB_MAX_OVERFLOW is 6, below GUNICORN_THREADS + 2 (10)"),
        ("MAIL_USE_SSL", "1", "MAIL_USE_TLS and MAIL_USE_SSL are both on"),
        ("APP_ENV", "development", "production needs APP_ENV=production"),
        # Issue 16: check-deploy says why a long secret is still weak.
        ("SECRET_KEY", "a" * 40, "SECRET_KEY is too easy to guess: it uses only 1 different character"),
        ("SECRET_KEY", " " * 32, "SECRET_KEY is too easy to guess: it uses only 1 different character"),
    ],
)
def test_missing_or_wrong_setting_is_an_error(production_env, tmp_path, key, value, expected):
    production_env.setenv(key, value)
    errors = messages(tmp_path, Severity.error)
    assert any(expected in message for message in errors), errors


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("ADMIN_EMAILS", "", "ADMIN_EMAILS is empty"),
        ("MAIL_SERVER", "", "MAIL_SERVER is not set"),
        ("MAIL_SENDER", "Hyperdesk <no-reply@localhost>", "MAIL_SENDER is a localhost address"),
        ("REDIS_URL", "", "REDIS_URL is not set"),
        ("PROXY_FIX_HOPS", "0", "PROXY_FIX_HOPS is 0"),
        ("PROXY_FIX_HOPS", "2", "PROXY_FIX_HOPS is 2"),
        (
            "GOOGLE_DISCOVERY_URL",
            "http://127.0.0.1:9000/.well-known/openid-configuration",
            "GOOGLE_DISCOVERY_URL is not https",
        ),
        ("CLOUDINARY_URL", "cloudinary://1:s@demo?upload_prefix=http://127.0.0.1:9001", "not over https"),
        ("RATELIMIT_ENABLED", "0", "RATELIMIT_ENABLED is off"),
    ],
)
def test_weaker_setting_is_a_warning_only(production_env, tmp_path, key, value, expected):
    production_env.setenv(key, value)
    warnings = messages(tmp_path, Severity.warning)
    assert any(expected in message for message in warnings), warnings
    assert messages(tmp_path, Severity.error) == []


def test_check_deploy_exits_0_and_prints_warnings_when_only_warnings(production_env):
    production_env.setenv("REDIS_URL", "")
    result = create_app().test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0
    assert "WARNING REDIS_URL is not set" in result.output
    assert "No errors: the configuration is fit for production. (See the warnings above.)" in result.output


def test_check_deploy_exits_1_and_lists_errors_before_warnings(production_env):
    production_env.setenv("CLOUDINARY_URL", "")
    production_env.setenv("MAIL_SERVER", "")
    result = create_app().test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("ERROR   CLOUDINARY_URL is not set")
    assert lines[1].startswith("WARNING MAIL_SERVER is not set")
    assert "1 error(s): this configuration must not run in production." in result.output


def test_check_deploy_exits_0_with_a_clean_bill_when_nothing_is_wrong(production_env):
    result = create_app().test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0
    assert result.output.strip() == "No errors: the configuration is fit for production."


def test_on_render_the_public_url_defaults_to_the_external_url(production_env, tmp_path):
    production_env.setenv("PUBLIC_URL", "")
    production_env.setenv("RENDER_EXTERNAL_URL", "https://hyperdesk.onrender.com")
    config = Config(str(tmp_path)).as_dict()
    assert config["PUBLIC_URL"] == "https://hyperdesk.onrender.com"
    assert deploy_problems(config) == []


def test_an_explicit_public_url_wins_over_renders(production_env, tmp_path):
    production_env.setenv("RENDER_EXTERNAL_URL", "https://hyperdesk.onrender.com")
    assert Config(str(tmp_path)).PUBLIC_URL == "https://hyperdesk.example.com"


def test_x_forwarded_host_with_trusted_hosts_passes(production_env, tmp_path):
    production_env.setenv("PROXY_FIX_X_HOST", "1")
    production_env.setenv("TRUSTED_HOSTS", "hyperdesk.example.com")
    assert deploy_problems(Config(str(tmp_path)).as_dict()) == []
