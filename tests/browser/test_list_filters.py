"""Filters and sorts in a real browser: the URL follows every choice, and reload and back show the same list."""

import re

import pytest
from playwright.sync_api import expect

from webapp.models import ProjectStatus

pytestmark = pytest.mark.browser


def names(page):
    return page.locator("#projects-rows .record .cell-title")


def test_a_filter_and_a_sort_keep_the_url_through_reload_and_back(browse, approved_user, make):
    make.project(approved_user, name="Zinc roof", status=ProjectStatus.active)
    make.project(approved_user, name="Attic", status=ProjectStatus.active)
    make.project(approved_user, name="Barn", status=ProjectStatus.done)
    page = browse.page(approved_user)
    page.goto("/projects/")
    expect(names(page)).to_have_text(["Barn", "Attic", "Zinc roof"])
    page.locator("#projects-filter-status").select_option("active")
    page.wait_for_url(re.compile(r"status=active"))
    expect(names(page)).to_have_text(["Attic", "Zinc roof"])
    page.locator("#projects-sort").select_option("name")
    page.wait_for_url(re.compile(r"status=active.*sort=name|sort=name.*status=active"))
    expect(names(page)).to_have_text(["Attic", "Zinc roof"])
    page.reload()
    expect(page.locator("#projects-filter-status")).to_have_value("active")
    expect(page.locator("#projects-sort")).to_have_value("name")
    expect(names(page)).to_have_text(["Attic", "Zinc roof"])
    page.go_back()
    page.wait_for_url(re.compile(r"/projects/\?status=active$"))
    expect(names(page)).to_have_text(["Attic", "Zinc roof"])
    expect(page.locator("#projects-sort")).to_have_value("")
    assert page.console_errors == []


def test_filters_work_without_javascript(browse, approved_user, make):
    make.project(approved_user, name="Attic", status=ProjectStatus.active)
    make.project(approved_user, name="Barn", status=ProjectStatus.done)
    page = browse.page(approved_user, javascript=False)
    page.goto("/projects/")
    page.locator("#projects-filter-status").select_option("done")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/projects/\?status=done$"))
    expect(names(page)).to_have_text(["Barn"])


# Every control of the list's form, its box, and its label's box (a <legend> for a range).
CONTROL_BOXES = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const form = document.querySelector('form.list-controls');
  return Array.from(form.querySelectorAll('input:not([type=hidden]), select, button')).map(el => {
    const label = el.id ? form.querySelector(`label[for="${el.id}"]`) : null;
    return {id: el.id || el.textContent.trim(), box: box(el), label: label && !label.classList.contains('visually-hidden') ? box(label) : null};
  });
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_list_controls_keep_their_size_and_labels_and_fit_the_screen(browse, approved_user, make, width):
    make.project(approved_user, name="Barn")
    page = browse.page(approved_user)
    page.set_viewport_size({"width": width, "height": 860})
    page.goto("/projects/")
    controls = {control["id"]: control for control in page.evaluate(CONTROL_BOXES)}
    search = controls["projects-q"]["box"]
    assert search["right"] - search["left"] >= 160, "the search box has room to type in"
    for name, control in controls.items():
        box = control["box"]
        assert box["bottom"] - box["top"] <= 48, f"{name} keeps its own height"
        assert box["left"] >= 0 and box["right"] <= width, f"{name} is on the screen"
        label = control["label"]
        if label is not None:  # the label sits beside its control, on the same line
            middle = (label["top"] + label["bottom"]) / 2
            assert box["top"] <= middle <= box["bottom"], f"{name}'s label is on its line"
