"""docs/access.md stays true: the redirect URI, the settings and the pictures it names exist."""

import re
from pathlib import Path

from flask import url_for

DOC = Path(__file__).resolve().parents[1] / "docs" / "access.md"
SETTINGS = [
    "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_HOSTED_DOMAIN", "GOOGLE_DISCOVERY_URL", "ADMIN_EMAILS",
    "AUTO_APPROVE_DOMAINS", "ACCESS_REQUEST_COOLDOWN_DAYS", "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME",
    "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_SENDER", "MAIL_TIMEOUT", "MAIL_ASYNC", "PUBLIC_URL",
    "RATELIMIT_SIGN_IN", "RATELIMIT_ACCESS_REQUEST", "REDIS_URL", "PROXY_FIX_HOPS", "DEV_LOGIN",
]


def test_the_documented_redirect_uri_is_the_callback_route(app):
    with app.test_request_context(base_url="https://desk.example.org"):
        callback = url_for("auth.google_callback", _external=True)
    assert callback == "https://desk.example.org/auth/google/callback"
    assert "https://<your host>/auth/google/callback" in DOC.read_text()


def test_every_access_setting_is_documented_and_exists(app):
    text = DOC.read_text()
    missing = [name for name in SETTINGS if f"`{name}`" not in text]
    assert missing == []
    assert [name for name in SETTINGS if name not in app.config] == []


def test_every_picture_in_the_guide_exists():
    pictures = re.findall(r"\]\((screenshots/[^)]+)\)", DOC.read_text())
    assert pictures and all((DOC.parent / picture).is_file() for picture in pictures)
