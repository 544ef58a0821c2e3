"""Site administration in a real browser: the Site settings page, and an invitation link from creation to use."""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.fakes.smtp import SMTPServer
from tests.plugins.google import google_settings
from webapp.extensions import db
from webapp.models import AccountStatus, AuditEvent, Invitation, Role, User
from webapp.services import site_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, issuer):
    # The production bound, so the page (and its screenshot in docs/) states what operators get.
    app_config.update(google_settings(issuer), SITE_SETTINGS_MAX_AGE=2)
    return app_config


def setting(page, key):
    """The form group of one setting on the Site settings page."""
    return page.locator(f'[data-setting="{key}"]')


def test_an_administrator_changes_the_site_settings_and_every_page_follows(browse, admin, screenshot):
    page = browse.page(admin)
    page.goto("/admin/site/")
    assert "The default value (SITE_NAME is not set)." in setting(page, "site_name").inner_text()
    screenshot(page, "site-settings")
    page.get_by_label("Site name").fill("Acme Desk")
    page.get_by_label("Closed: no new accounts (invitations still work)").check()
    page.get_by_label("Announcement").fill("Maintenance tonight at 22:00 UTC.")
    page.get_by_label("Level").select_option("warning")
    page.get_by_label("Shortest reason (characters)").fill("0")
    page.get_by_role("button", name="Save settings").click()
    # A wrong value: nothing is saved, the form keeps what was typed and says what to fix.
    setting(page, "reason_min_length").get_by_role("alert").wait_for()
    assert "Enter a whole number from 1 to 1000." in setting(page, "reason_min_length").inner_text()
    assert page.get_by_label("Site name").input_value() == "Acme Desk"
    db.session.expire_all()
    assert site_settings.fresh().site_name == "Hyperdesk"
    page.get_by_label("Shortest reason (characters)").fill("20")
    page.get_by_role("button", name="Save settings").click()
    page.locator(".alert", has_text="Saved: Registration mode").wait_for()
    assert "Set here by admin@example.com" in setting(page, "site_name").inner_text()
    assert page.locator(".announcement-warning").inner_text().strip() == "Maintenance tonight at 22:00 UTC."
    page.goto("/")
    assert page.title().endswith("Acme Desk")
    assert page.locator(".announcement-warning").is_visible()
    db.session.expire_all()
    site = site_settings.fresh()
    assert (site.site_name, site.registration_mode, site.reason_min_length) == ("Acme Desk", "closed", 20)
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.setting_changed")).all()
    assert {event.details["setting"] for event in changed} == {
        "site_name",
        "registration_mode",
        "announcement_text",
        "announcement_level",
        "reason_min_length",
    }
    assert page.console_errors == []


def test_an_invitation_link_lets_a_newcomer_in_with_its_role_on_a_closed_site(browse, admin, issuer):
    site_settings.update({"registration_mode": "closed"}, admin)
    office = browse.page(admin)
    office.goto("/admin/invitations/")
    office.get_by_role("link", name="Create a link").click()
    office.get_by_label("Role").select_option("approver")
    office.get_by_role("button", name="Create the link").click()
    link = urlsplit(office.locator("#invitation-link").input_value()).path

    newcomer = browse.page()
    newcomer.goto(link)
    newcomer.get_by_role("heading", name="You are invited to Hyperdesk").wait_for()
    newcomer.get_by_role("link", name="Sign in to accept").click()
    issuer.queue_login("newcomer@example.org", name="Nora Newcomer")
    newcomer.get_by_role("link", name="Sign in with Google").click()
    newcomer.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert newcomer.get_by_role("link", name="Approvals").first.is_visible()
    db.session.expire_all()
    nora = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    assert (nora.status, nora.role) == (AccountStatus.approved, Role.approver)

    office.goto("/admin/invitations/")
    row = office.locator("tr", has_text="Approver")
    assert "used" in row.inner_text() and "newcomer@example.org" in row.inner_text()
    late = browse.page()
    late.goto(link)
    late.get_by_role("heading", name="This invitation cannot be used").wait_for()
    assert db.session.scalar(select(Invitation.use_count)) == 1
    assert office.console_errors == [] and newcomer.console_errors == []


def test_an_emailed_invitation_lets_the_invited_address_in_on_an_invite_only_site(app, browse, admin, issuer):
    server = SMTPServer().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    try:
        site_settings.update({"registration_mode": "invite_only"}, admin)
        office = browse.page(admin)
        office.goto("/admin/invitations/")
        office.get_by_role("link", name="Invite people").click()
        office.get_by_label("E-mail addresses").fill("ivy@example.org")
        office.get_by_label("Role").select_option("auditor")
        office.get_by_role("button", name="Send invitations").click()
        office.locator(".alert-success", has_text="Invited: ivy@example.org.").wait_for()
        [email] = server.wait_for(1)
    finally:
        server.stop()
    assert email.recipients == ["ivy@example.org"] and email.message["Subject"] == "You are invited to Hyperdesk"
    assert "as an auditor" in email.body
    sign_in = urlsplit(next(line for line in email.body.splitlines() if "/auth/login" in line)).path

    ivy = browse.page()
    ivy.goto(sign_in)
    issuer.queue_login("ivy@example.org")
    ivy.get_by_role("link", name="Sign in with Google").click()
    ivy.wait_for_url(lambda url: urlsplit(url).path == "/")
    db.session.expire_all()
    account = db.session.scalar(select(User).where(User.email == "ivy@example.org"))
    assert (account.status, account.role) == (AccountStatus.approved, Role.auditor)
    office.goto("/admin/invitations/")
    assert "used" in office.locator("tr", has_text="ivy@example.org").first.inner_text()
    assert office.console_errors == [] and ivy.console_errors == []
