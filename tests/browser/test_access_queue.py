"""The approval queue in a real browser: a decision updates its row in place, with a toast."""

import pytest

pytestmark = pytest.mark.browser


def test_admin_approves_a_request_in_place(browse, make, admin, pending_user, screenshot):
    make.access_request(pending_user, reason="I review the specifications for the mobile team.")
    page = browse.page(admin)
    page.goto("/access/queue")
    row = page.locator("#access-request-1")
    assert "I review the specifications" in row.inner_text()
    screenshot(page, "approval-queue")
    row.get_by_role("button", name="Approve").click()
    page.locator("#access-request-1.queue-row-approved").wait_for()
    page.locator(".toast", has_text="approved").wait_for()
    assert page.url.endswith("/access/queue")
    assert page.console_errors == []


def test_pending_person_asks_for_access_and_sees_the_waiting_status(browse, pending_user):
    page = browse.page(pending_user)
    page.goto("/access/queue")
    assert page.url.endswith("/access/")
    page.get_by_label("Why do you want access?").fill("too short")
    page.get_by_role("button", name="Ask for access").click()
    page.locator(".field-error").wait_for()
    assert "at least 10 characters" in page.locator(".field-error").inner_text()
    assert page.get_by_label("Why do you want access?").input_value() == "too short"
    page.get_by_label("Why do you want access?").fill("I lead the warehouse move and need our specs.")
    page.get_by_role("button", name="Ask for access").click()
    page.get_by_text("Your request is waiting for an administrator.").wait_for()
    assert page.console_errors == []
