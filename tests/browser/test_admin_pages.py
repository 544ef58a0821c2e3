"""The back office in a real browser: every main page in light and dark, without script errors."""

import pytest

from webapp.extensions import db
from webapp.models import Asset, AuditEvent, StorageBackend

pytestmark = pytest.mark.browser

PAGES = {
    "dashboard": "/admin/",
    "users": "/admin/users/",
    "access-requests": "/admin/access-requests/",
    "projects": "/admin/projects/",
    "audit-log": "/admin/audit-log/",
}


@pytest.fixture
def back_office(make, admin):
    """An administrator and a little of everything the back office shows."""
    people = [make.user(email=f"{name.lower()}@example.com", name=name, status=status) for name, status in (
        ("Grace", "pending"), ("Linus", "pending"), ("Barbara", "approved"), ("Ken", "suspended"), ("Edsger", "rejected"))]
    make.access_request(people[0], reason="I coordinate the warehouse move and need the specifications.")
    make.access_request(people[1], reason="I review the mobile team's checklists every week.")
    cover = Asset(owner=admin, storage=StorageBackend.local, key="cover.png", url=PIXEL, content_type="image/png", bytes=68, width=1, height=1)
    db.session.add(cover)
    for number, person in enumerate((admin, people[2]), start=1):
        project = make.project(person, name=f"Warehouse move {number}", status="active")
        project.cover = cover
    db.session.add(AuditEvent(action="user.suspended", actor_id=admin.id, actor_email=admin.email, target_type="users", target_id=str(people[3].id), details={"note": "Left the company"}))
    db.session.commit()
    return admin


PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkOPP/PwAFgwJ/lUtS3AAAAABJRU5ErkJggg=="


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_main_pages_render_in_the_users_theme_without_script_errors(browse, back_office, screenshot, theme):
    back_office.settings = {"theme": theme}
    db.session.commit()
    page = browse.page(back_office, color_scheme=theme)
    for name, url in PAGES.items():
        page.goto(url)
        page.locator(".hd-admin").wait_for()
        screenshot(page, f"admin-{name}-{theme}")
    assert page.console_errors == []
