"""docs/access.md stays true: the redirect URI, the settings and the pictures it names exist."""

import re
from pathlib import Path

from flask import url_for

from webapp.config import Config
from webapp.services import invitations, site_settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "access.md"
SETTINGS = [
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "GOOGLE_HOSTED_DOMAIN",
    "GOOGLE_DISCOVERY_URL",
    "ADMIN_EMAILS",
    "AUTO_APPROVE_DOMAINS",
    "ACCESS_REQUEST_COOLDOWN_DAYS",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_SENDER",
    "MAIL_TIMEOUT",
    "MAIL_ASYNC",
    "PUBLIC_URL",
    "RATELIMIT_SIGN_IN",
    "RATELIMIT_ACCESS_REQUEST",
    "REDIS_URL",
    "PROXY_FIX_HOPS",
    "DEV_LOGIN",
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


# Site administration (issue 15): the administrators' part of the guide.

WEBAPP = DOC.parents[1] / "webapp"
ACCESS_AREAS = ("user", "access", "invitation", "site")


def administrators_part():
    text = DOC.read_text()
    return text[text.index("## For administrators") : text.index("## For users")]


def test_every_site_setting_is_in_the_administrators_table_with_its_variable():
    part = administrators_part()
    for setting in site_settings.SETTINGS:
        assert setting.label in part, setting.key
        if setting.config_key:
            assert f"`{setting.config_key}`" in part, setting.config_key


def test_the_documented_cache_bound_is_the_default():
    part = administrators_part()
    assert f"`SITE_SETTINGS_MAX_AGE` seconds ({int(site_settings.DEFAULT_MAX_AGE)} by default)" in part
    assert Config("/tmp").SITE_SETTINGS_MAX_AGE == site_settings.DEFAULT_MAX_AGE


def test_every_registration_mode_and_role_is_described():
    part = administrators_part()
    for mode in site_settings.MODES:
        assert f"| `{mode}`" in part, mode
    for role in ("user", "approver", "auditor", "administrator"):
        assert f"| {role} |" in part, role
    assert {str(role) for role in invitations.ROLES} == {"user", "approver", "auditor", "admin"}


def test_the_invitation_limits_are_the_codes():
    part = administrators_part()
    days, uses, addresses = invitations.MAX_DAYS, invitations.MAX_USES, invitations.MAX_ADDRESSES
    assert f"(1 to {days} days, {invitations.DEFAULT_DAYS} by default)" in part
    assert f"(1 to {uses})" in part and f"(up to {addresses}," in part


def recorded_actions():
    """Every access, people, invitation and site-settings action the code writes to the audit log."""
    found = set()
    for path in WEBAPP.rglob("*.py"):
        for action in re.findall(r'audit\.record\(\s*f?"([a-z_]+\.[a-z_{}]+)"', path.read_text()):
            if action == "access.{decision}":
                found.update({"access.approved", "access.rejected"})
            elif action.split(".")[0] in ACCESS_AREAS:
                found.add(action)
    return found


def test_the_audit_actions_listed_are_exactly_those_the_code_records():
    text = DOC.read_text()
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", text[text.index("Audit actions:") :].split("\n\n")[0]))
    assert listed == recorded_actions()


def test_the_reminder_command_exists(app):
    assert "flask --app webapp access remind" in administrators_part()
    assert app.cli.get_command(None, "access").get_command(None, "remind") is not None


def slug(heading):
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_into_the_access_and_deploy_guides_names_a_heading():
    docs = DOC.parent
    anchors = {
        name: {slug(h) for h in re.findall(r"^#+ (.+)$", (docs / name).read_text(), re.M)}
        for name in ("access.md", "deploy.md")
    }
    for page in docs.glob("*.md"):
        text = page.read_text()
        for target, anchor in re.findall(r"\]\(((?:access|deploy)\.md)?#([a-z0-9_-]+)\)", text):
            target = target or page.name
            if target in anchors:
                assert anchor in anchors[target], f"{page.name} links to {target}#{anchor}"
