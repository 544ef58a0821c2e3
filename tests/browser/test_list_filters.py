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
