"""The access flow in a real browser: the request form, the waiting page, and the approval queue."""

from datetime import UTC, datetime

import pytest

from webapp.extensions import db
from webapp.models import AccessRequest

pytestmark = pytest.mark.browser

# Screenshots land in docs/: fixed times keep them identical from one run to the next.
ASKED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_admin_approves_a_request_in_place(browse, make, admin, pending_user, screenshot):
    make.access_request(pending_user, reason="I review the specifications for the mobile team.", created_at=ASKED_AT)
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


def test_pending_person_asks_for_access_and_sees_the_waiting_status(browse, pending_user, screenshot):
    page = browse.page(pending_user)
    page.goto("/access/queue")
    assert page.url.endswith("/access/")
    screenshot(page, "access-request-form")
    page.get_by_label("Why do you want access?").fill("too short")
    page.get_by_role("button", name="Ask for access").click()
    page.locator(".field-error").wait_for()
    assert "at least 10 characters" in page.locator(".field-error").inner_text()
    assert page.get_by_label("Why do you want access?").input_value() == "too short"
    page.get_by_label("Why do you want access?").fill("I lead the warehouse move and need our specs.")
    page.get_by_role("button", name="Ask for access").click()
    page.get_by_text("Your request is waiting for an administrator.").wait_for()
    assert page.console_errors == []


def test_waiting_page_shows_what_the_person_wrote(browse, make, pending_user, screenshot):
    make.access_request(
        pending_user, reason="I lead the warehouse move and need our specifications.", created_at=ASKED_AT
    )
    page = browse.page(pending_user)
    page.goto("/access/")
    page.get_by_text("Your request is waiting for an administrator.").wait_for()
    screenshot(page, "access-request-waiting")


def test_admin_rejects_a_selection_with_one_note(browse, make, admin):
    people = [make.user(email=f"p{n}@example.org", status="pending") for n in range(3)]
    requests = [make.access_request(person, reason=f"Reason number {n} for access.") for n, person in enumerate(people)]
    page = browse.page(admin)
    page.goto("/access/queue")
    page.get_by_label("Select request from p0@example.org").check()
    page.get_by_label("Select request from p2@example.org").check()
    page.get_by_label("Note for the selected requests").fill("Not this quarter.")
    page.get_by_role("button", name="Reject selected").click()
    page.locator(".toast", has_text="2 request(s) rejected").wait_for()
    assert page.locator(f"#access-request-{requests[1].id}").is_visible()
    assert page.locator(f"#access-request-{requests[0].id}").count() == 0
    assert page.console_errors == []
    db.session.expire_all()
    notes = [db.session.get(AccessRequest, r.id).decision_note for r in requests]
    assert notes == ["Not this quarter.", None, "Not this quarter."]


def test_queue_works_without_javascript(browse, make, admin, pending_user):
    access_request = make.access_request(pending_user)
    page = browse.page(admin, javascript=False)
    page.goto("/access/queue")
    page.get_by_label(f"Note for {pending_user.email}").fill("Use your work address, please.")
    page.get_by_role("button", name="Reject", exact=True).click()
    page.get_by_text(f"{pending_user.email}: rejected.").wait_for()
    assert page.url.endswith("/access/queue")
    assert page.locator(f"#access-request-{access_request.id}").count() == 0
    db.session.expire_all()
    assert db.session.get(AccessRequest, access_request.id).decision_note == "Use your work address, please."
