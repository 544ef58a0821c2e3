"""Settings in a real browser: the theme changes the whole page at once, the page size the lists."""

import io

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage

from tests.uploads_support import scenery_png
from webapp.uploads import service as uploads

pytestmark = pytest.mark.browser
SKIES = [("#1d2b53", "#7e6bc4"), ("#2f5fa8", "#a9c8ef"), ("#6b3fa0", "#f2b880")]


def cover(owner, n):
    """Every third project gets a picture, each third one a different sky."""
    if n % 3:
        return None
    picture = scenery_png(size=(160, 120), sky=SKIES[n // 3 % len(SKIES)])
    return uploads.store_image(FileStorage(io.BytesIO(picture), "cover.png", content_type="image/png"), owner)


def test_dark_theme_and_page_size_apply_at_once_and_reset_restores_them(browse, approved_user, make, screenshot):
    for n in range(12):
        make.project(
            approved_user,
            name=f"Project {n:02d}",
            description="Planned for this year.",
            status=("draft", "active", "on_hold", "done")[n % 4],
            cover=cover(approved_user, n),
        )
    page = browse.page(approved_user)
    page.goto("/settings/")
    screenshot(page, "settings", changing="#sessions td:nth-child(3), #sessions td:nth-child(4)")  # times
    page.get_by_label("Dark").check()
    page.get_by_label("10", exact=True).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator(".toast")).to_contain_text("Settings saved.")
    expect(page.get_by_label("Dark")).to_be_checked()

    page.goto("/projects/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("#projects-rows .record")).to_have_count(10)
    screenshot(page, "projects-list-dark", full_page=False)

    page.goto("/settings/")
    page.get_by_role("button", name="Reset to defaults").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "system")
    expect(page.get_by_label("25", exact=True)).to_be_checked()
    assert page.console_errors == []
