"""The back office in a real browser: every main page in light and dark, without script errors."""

import base64
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.uploads_support import scenery_png
from webapp.extensions import db
from webapp.models import AccessRequest, Asset, AuditEvent, Project, StorageBackend

pytestmark = pytest.mark.browser

# Screenshots land in docs/: fixed times keep them identical from one run to the next.
MONDAY = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def at(hours):
    """A fixed moment, ``hours`` after Monday morning."""
    return MONDAY + timedelta(hours=hours)


def picture_url(**colours):
    """A small landscape as a data: URL (short enough for the url column), so the thumbnails show a picture."""
    image = Image.open(io.BytesIO(scenery_png(size=(96, 96), **colours))).convert("RGB").quantize(16)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


PAGES = {
    "dashboard": "/admin/",
    "users": "/admin/users/",
    "access-requests": "/admin/access-requests/",
    "projects": "/admin/projects/",
    "audit-log": "/admin/audit-log/",
}


PEOPLE = (
    ("Grace", "pending"),
    ("Linus", "pending"),
    ("Barbara", "approved"),
    ("Ken", "suspended"),
    ("Edsger", "rejected"),
)
SKIES = (("#2f5fa8", "#a9c8ef"), ("#6b3fa0", "#f2b880"))


def covered_project(make, owner, number):
    """Warehouse move <number>, owned by ``owner``, with a cover picture of its own."""
    url = picture_url(sky=SKIES[number - 1])
    cover = Asset(
        owner=owner,
        storage=StorageBackend.local,
        key=f"cover-{number}.png",
        url=url,
        content_type="image/png",
        bytes=len(url),
        width=96,
        height=96,
        created_at=at(8),
    )
    return make.project(
        owner,
        name=f"Warehouse move {number}",
        description=f"Phase {number}: racks, stock and the forklift rota.",
        status="active",
        cover=cover,
        created_at=at(8 + number),
        updated_at=at(8 + number),
    )


@pytest.fixture
def back_office(make, admin):
    """An administrator and a little of everything the back office shows, each stamped with a fixed time."""
    admin.created_at = admin.updated_at = at(0)
    people = [
        make.user(email=f"{name.lower()}@example.com", name=name, status=status, created_at=at(n), updated_at=at(n))
        for n, (name, status) in enumerate(PEOPLE, start=1)
    ]
    make.access_request(
        people[0], reason="I coordinate the warehouse move and need the specifications.", created_at=at(6)
    )
    make.access_request(people[1], reason="I review the mobile team's checklists every week.", created_at=at(7))
    covered_project(make, admin, 1)
    covered_project(make, people[2], 2)
    db.session.add(
        AuditEvent(
            action="user.suspended",
            actor_id=admin.id,
            actor_email=admin.email,
            target_type="users",
            target_id=str(people[3].id),
            details={"note": "Left the company"},
            created_at=at(11),
        )
    )
    db.session.commit()
    return admin


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_main_pages_render_in_the_users_theme_without_script_errors(browse, back_office, screenshot, theme):
    back_office.settings = {"theme": theme}
    back_office.updated_at = at(0)  # not "now", which the save would otherwise write
    db.session.commit()
    page = browse.page(back_office, color_scheme=theme)
    for name, url in PAGES.items():
        page.goto(url)
        page.locator(".hd-admin").wait_for()
        screenshot(page, f"admin-{name}-{theme}")
    assert page.console_errors == []


def test_batch_approval_with_a_note_through_the_confirmation_page(browse, back_office, screenshot):
    page = browse.page(back_office)
    page.goto("/admin/access-requests/")
    page.locator("input.action-rowtoggle").check()
    page.get_by_role("button", name="With selected").click()
    page.locator(".dropdown-menu [data-admin-action=approve]").click()
    page.get_by_label("Note for these people (optional)").fill("Welcome to Hyperdesk")
    screenshot(page, "admin-approve-confirmation")
    page.get_by_role("button", name="Approve 2 requests").click()
    page.locator(".alert-success", has_text="Approved: grace@example.com, linus@example.com.").wait_for()
    notes = {request.decision_note for request in db.session.query(AccessRequest)}
    assert notes == {"Welcome to Hyperdesk"}
    assert page.console_errors == []


def test_delete_asks_first_and_a_no_keeps_the_record(browse, back_office):
    page = browse.page(back_office)
    page.goto("/admin/projects/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("form.icon button").first.click()
    assert db.session.query(Project).count() == 2
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.icon button").first.click()
    page.locator(".alert-success", has_text="successfully deleted").wait_for()
    assert db.session.query(Project).count() == 1
    assert page.console_errors == []


def test_a_filter_is_added_from_the_menu(browse, back_office):
    page = browse.page(back_office)
    page.goto("/admin/users/")
    page.get_by_role("button", name="Add Filter").click()
    page.locator("a.filter", has_text="Status").click()
    page.locator("#filter_form td:last-child .select2-container a").click()
    page.locator(".select2-drop-active .select2-result-label", has_text="suspended").click()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/admin/users/?*flt*")
    table = page.locator("table.model-list")
    assert "ken@example.com" in table.inner_text() and "grace@example.com" not in table.inner_text()
    assert page.console_errors == []


def test_the_owner_picker_searches_as_you_type(browse, back_office, screenshot):
    project = db.session.query(Project).filter_by(name="Warehouse move 1").one()
    page = browse.page(back_office)
    page.goto(f"/admin/projects/edit/?id={project.id}")
    page.locator("#s2id_owner a.select2-choice").click()
    page.locator(".select2-drop-active input.select2-input").fill("barb")
    page.locator(".select2-result-label", has_text="barbara@example.com").click()
    screenshot(page, "admin-project-edit")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".alert-success", has_text="Record was successfully saved").wait_for()
    db.session.expire_all()
    assert db.session.get(Project, project.id).owner.email == "barbara@example.com"
    assert page.console_errors == []
