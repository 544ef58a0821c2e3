"""The same work with JavaScript switched off: real forms, full pages, redirects after every change."""

import re

import pytest
from playwright.sync_api import expect

from tests.plugins.browser import expect_focused

pytestmark = pytest.mark.browser


def rows(page):
    return page.locator("#projects-rows .record")


def test_create_edit_and_delete_a_project_without_javascript(browse, approved_user, make):
    make.project(approved_user, name="Mobile app")
    page = browse.page(approved_user, javascript=False)
    page.goto("/projects/")

    page.get_by_text("New project", exact=True).click()
    page.locator("#projects-new").get_by_label("Description").fill("Kept when the name is missing")
    page.get_by_role("button", name="Add project").click()
    expect(page.get_by_role("heading", name="New project")).to_be_visible()
    expect(page.locator(".field-error")).to_have_text("Name is required.")
    expect(page.get_by_label("Description")).to_have_value("Kept when the name is missing")
    page.get_by_label("Name").fill("Warehouse move")
    page.get_by_role("button", name="Add project").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    expect(rows(page).first).to_contain_text("Warehouse move")
    expect(page.locator(".toast")).to_contain_text("Added project “Warehouse move”.")

    rows(page).first.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/projects/\d+/edit\?next=/projects/$"))
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_have_text("Name is required.")
    page.get_by_label("Name").fill("Warehouse move, phase 2")
    page.get_by_label("Status").select_option("on_hold")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    expect(rows(page).first).to_contain_text("Warehouse move, phase 2")
    expect(rows(page).first.locator(".badge")).to_have_text("On hold")

    rows(page).first.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete project?")).to_be_visible()
    page.get_by_role("button", name="Delete project").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Mobile app")


def test_search_and_items_work_without_javascript(browse, approved_user, make):
    project = make.project(approved_user, name="Kitchen")
    make.project(approved_user, name="Garden")
    specification = make.specification(project, title="Cabinets")
    make.bullet_items(specification, "Measure", "Order")
    page = browse.page(approved_user, javascript=False)
    page.goto("/projects/")
    page.get_by_label("Search projects").fill("kitch")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/projects/\?q=kitch$"))
    expect(rows(page)).to_have_count(1)

    page.goto(f"/specifications/{specification.id}")
    page.get_by_label("New item").fill("Install")
    page.get_by_label("New item").press("Enter")
    expect(page.locator("#items-rows .item-text")).to_have_text(["Measure", "Order", "Install"])
    page.get_by_role("button", name="Move “Install” up").click()
    expect(page.locator("#items-rows .item-text")).to_have_text(["Measure", "Install", "Order"])
    page.get_by_role("link", name="Order", exact=True).click()
    page.get_by_label("Item").fill("Order online")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/specifications/{specification.id}$"))
    expect(page.locator("#items-rows .item-text")).to_have_text(["Measure", "Install", "Order online"])


def test_items_are_added_one_after_another_from_the_keyboard_without_javascript(browse, approved_user, make):
    specification = make.specification(make.project(approved_user, name="Kitchen"), title="Cabinets")
    page = browse.page(approved_user, javascript=False)
    page.goto(f"/specifications/{specification.id}")
    page.get_by_label("New item").fill("Measure")
    page.get_by_label("New item").press("Enter")
    expect_focused(page.get_by_label("New item"))
    page.keyboard.type("Order")
    page.keyboard.press("Enter")
    expect(page.locator("#items-rows .item-text")).to_have_text(["Measure", "Order"])
    expect_focused(page.get_by_label("New item"))
    page.reload()
    expect(page.get_by_label("New item")).not_to_have_attribute("autofocus", "")
