"""A day's work in a real browser: projects, search, inline edits, items by Enter, drag and keyboard, share links."""

import io
import re

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage

from tests.plugins.browser import expect_focused, wait_for_htmx, wait_until_settled
from tests.uploads_support import scenery_png
from webapp.uploads import service as uploads

pytestmark = pytest.mark.browser

ITEMS = ["Cut page weight in half", "Checkout in three steps", "Accessible to WCAG 2.2 AA"]


@pytest.fixture
def alice(approved_user, make):
    """Alice with two projects already, one with a cover."""
    chart = FileStorage(
        io.BytesIO(scenery_png(sky=("#6b3fa0", "#f2b880"), sun="#fff3c4")), "q3.png", content_type="image/png"
    )
    cover = uploads.store_image(chart, approved_user)
    make.project(
        approved_user, name="Quarterly report", description="Numbers and narrative for Q3.", status="done", cover=cover
    )
    make.project(approved_user, name="Mobile app", description="Companion app for field staff.", status="draft")
    return approved_user


def item_texts(page):
    return page.locator("#items-rows .item-text").all_inner_texts()


def create_project(page):
    page.get_by_text("New project", exact=True).click()
    form = page.locator("#projects-new form")
    form.get_by_label("Name").fill("Website relaunch")
    form.get_by_label("Status").select_option("active")
    form.get_by_label("Description").fill("New marketing site with a faster checkout.")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "site.png", "mimeType": "image/png", "buffer": scenery_png()}]
    )
    form.locator("#projects-new-cover img[data-asset-id]").wait_for()
    form.get_by_role("button", name="Add project").click()
    expect(page.locator("#projects-rows .record").first).to_contain_text("Website relaunch")
    expect(page.locator("#projects-rows .record").first.locator("img.cell-thumb")).to_be_visible()
    expect_focused(page.locator("#projects-new-name"))
    page.locator(".toast", has_text="Added project “Website relaunch”.").wait_for()


def search_and_reload(page):
    page.get_by_label("Search projects").fill("RELAUNCH")
    page.wait_for_url(re.compile(r"/projects/\?q=RELAUNCH$"))
    expect(page.locator("#projects-rows .record")).to_have_count(1)
    page.reload()
    expect(page.locator("#projects-rows .record")).to_have_count(1)
    expect(page.get_by_label("Search projects")).to_have_value("RELAUNCH")
    page.go_back()
    expect(page.locator("#projects-rows .record")).to_have_count(3)
    # Going back reloads the page (no history cache): a click before htmx has started would be an
    # ordinary link to the full edit page (which works too, but is not what this journey tests).
    wait_for_htmx(page)


def edit_inline_with_an_error_then_fix(page, screenshot):
    page.locator("#projects-rows .record", has_text="Website relaunch").get_by_role("link", name="Edit").click()
    editing = page.locator(".record-editing")
    expect_focused(editing.get_by_label("Name"))
    editing.get_by_label("Name").fill("")
    editing.get_by_role("button", name="Save").click()
    expect(editing.locator(".field-error")).to_have_text("Name is required.")
    expect(editing.get_by_label("Description")).to_have_value("New marketing site with a faster checkout.")
    expect_focused(editing.get_by_label("Name"))
    screenshot(page, "projects-inline-edit")
    editing.get_by_label("Name").fill("Website relaunch 2027")
    editing.get_by_role("button", name="Save").click()
    row = page.locator("#projects-rows .record", has_text="Website relaunch 2027")
    expect(row.locator(".badge")).to_have_text("Active")
    expect_focused(row.get_by_role("link", name="Edit"))


def add_specification(page):
    page.get_by_role("link", name="Website relaunch 2027", exact=True).click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    page.get_by_text("New specification", exact=True).click()
    page.locator("#specifications-new").get_by_label("Title").fill("Goals")
    page.locator("#specifications-new").get_by_label("Details").fill("What the relaunch must achieve.")
    page.get_by_role("button", name="Add specification").click()
    page.locator("#specifications-rows").get_by_role("link", name="Goals", exact=True).click()
    page.wait_for_url(re.compile(r"/specifications/\d+$"))


def add_items_with_enter(page):
    wait_for_htmx(page)  # before htmx has processed the form, Enter submits it without JavaScript
    for text in ITEMS:
        field = page.get_by_label("New item")
        field.fill(text)
        field.press("Enter")
        page.locator("#items-rows .item-text", has_text=text).wait_for()
        expect_focused(page.get_by_label("New item"))
        expect(page.get_by_label("New item")).to_have_value("")
    assert item_texts(page) == ITEMS


def edit_an_item_in_place(page):
    page.locator("#items-rows").get_by_role("link", name=ITEMS[1], exact=True).click()
    field = page.locator("#items-rows .record-editing").get_by_label("Item")
    expect_focused(field)
    field.fill("Changed my mind")
    field.press("Escape")
    expect(page.locator("#items-rows .item-text").nth(1)).to_have_text(ITEMS[1])
    expect_focused(page.locator("#items-rows .item-text").nth(1))
    page.keyboard.press("Enter")
    field = page.locator("#items-rows .record-editing").get_by_label("Item")
    field.fill(ITEMS[1] + " or fewer")
    field.press("Enter")
    expect(page.locator("#items-rows .item-text").nth(1)).to_have_text(ITEMS[1] + " or fewer")
    field = page.locator("#items-rows .item-text").nth(1)
    field.click()
    page.locator("#items-rows .record-editing").get_by_label("Item").fill(ITEMS[1])
    page.locator("#items-rows .record-editing").get_by_role("button", name="Save").click()
    expect(page.locator("#items-rows .item-text")).to_have_text(ITEMS)


def reorder_by_drag_and_keyboard(page):
    handle = page.locator("#items-rows .record").nth(2).locator(".drag-handle")
    handle.drag_to(page.locator("#items-rows .record").nth(0), target_position={"x": 20, "y": 5})
    page.locator(".toast", has_text="Order saved.").wait_for()
    expect(page.locator("#items-rows .item-text")).to_have_text([ITEMS[2], ITEMS[0], ITEMS[1]])
    # htmx binds the swapped-in forms when it settles (20 ms later): a key pressed before
    # that posts the form the ordinary way, a full page load (which works, but elsewhere).
    wait_until_settled(page)
    page.get_by_role("button", name=f"Move “{ITEMS[2]}” down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#items-rows .item-text")).to_have_text([ITEMS[0], ITEMS[2], ITEMS[1]])
    expect_focused(page.get_by_role("button", name=f"Move “{ITEMS[2]}” down"))
    page.reload()
    expect(page.locator("#items-rows .item-text")).to_have_text([ITEMS[0], ITEMS[2], ITEMS[1]])


def share_then_revoke(page, browse, screenshot):
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_label("Share link")
    expect_focused(link)
    visitor = browse.page()
    visitor.goto(link.input_value())
    expect(visitor.get_by_role("heading", name="Website relaunch 2027")).to_be_visible()
    expect(visitor.get_by_alt_text("Cover image of Website relaunch 2027")).to_be_visible()
    expect(visitor.locator(".bullets li")).to_have_text([ITEMS[0], ITEMS[2], ITEMS[1]])
    assert visitor.get_by_role("link", name="Edit").count() == 0 and visitor.locator("form").count() == 0
    screenshot(visitor, "share-page")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("button", name="Create share link")).to_be_visible()
    visitor.reload()
    expect(visitor.get_by_role("heading", name="Not found")).to_be_visible()
    assert visitor.console_errors == []


def test_a_days_work_with_javascript(browse, alice, screenshot):
    page = browse.page(alice)
    page.goto("/")
    page.locator("nav").get_by_role("link", name="Projects").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    create_project(page)
    search_and_reload(page)
    edit_inline_with_an_error_then_fix(page, screenshot)
    page.goto("/projects/")
    screenshot(page, "projects-list")
    add_specification(page)
    add_items_with_enter(page)
    edit_an_item_in_place(page)
    reorder_by_drag_and_keyboard(page)
    screenshot(page, "specification-page")
    page.get_by_role("link", name="Website relaunch 2027", exact=True).click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Website relaunch 2027")
    screenshot(page, "project-page")
    share_then_revoke(page, browse, screenshot)
    assert page.console_errors == []


def test_deleting_asks_first_and_removes_the_row(browse, alice):
    page = browse.page(alice)
    page.goto("/projects/")
    row = page.locator("#projects-rows .record", has_text="Mobile app")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("link", name="Delete").click()
    expect(row).to_be_visible()
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    row.get_by_role("link", name="Delete").click()
    expect(row).to_have_count(0)
    assert messages == ["Delete project “Mobile app”? This cannot be undone."]
    expect_focused(page.get_by_role("link", name="Quarterly report", exact=True))
    page.locator(".toast", has_text="Deleted project “Mobile app”.").wait_for()
    expect(page.locator("#projects-rows .record")).to_have_count(1)
    page.reload()
    expect(page.locator("#projects-rows .record")).to_have_count(1)
    assert page.console_errors == []


def test_load_more_appends_the_next_page_and_moves_focus_to_it(browse, approved_user, make):
    approved_user.settings = {"page_size": 10}
    for n in range(12):
        make.project(approved_user, name=f"Project {n:02d}")
    page = browse.page(approved_user)
    page.goto("/projects/")
    expect(page.locator("#projects-rows .record")).to_have_count(10)
    page.get_by_role("link", name="Load more projects").click()
    expect(page.locator("#projects-rows .record")).to_have_count(12)
    expect(page.get_by_role("link", name="Load more projects")).to_have_count(0)
    expect_focused(page.locator("#projects-rows .record").nth(10).get_by_role("link", name="Edit"))
    assert page.console_errors == []
