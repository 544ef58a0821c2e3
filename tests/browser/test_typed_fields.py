"""Date, relation and file fields in a real browser: with htmx (type-ahead, in-place errors) and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.typed_models import Job, customer, typed  # noqa: F401
from webapp.extensions import db
from webapp.services import settings

pytestmark = pytest.mark.browser

PDF = {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
FAKE_PDF = {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}


@pytest.fixture
def alice(typed, approved_user):
    """Alice, reading times in Paris (the typed tables exist before the server starts serving)."""
    settings.set_time_zone(approved_user, "Europe/Paris")
    return approved_user


def test_date_type_ahead_relation_and_file_with_htmx(typed, alice, browse):
    rows = {name: customer(alice, name) for name in ("Acme", "Apex", "Bolt", "Crane")}
    page = browse.page(alice)
    page.goto("/jobs/")
    page.get_by_text("New job", exact=True).click()
    form = page.locator("#jobs-new")
    form.get_by_label("Title").fill("Roof")
    form.get_by_label("Due").fill("2027-03-31")
    form.get_by_label("Brief").set_input_files(FAKE_PDF)
    client = form.get_by_label("Client")
    client.press_sequentially("cra")
    expect(page.locator("#jobs-new-client-options option")).to_have_count(1)
    expect(page.locator("#jobs-new-client-options option")).to_have_attribute("value", f"Crane #{rows['Crane'].id}")
    client.fill(f"Crane #{rows['Crane'].id}")
    form.get_by_role("button", name="Add job").click()
    expect(form.locator(".field-error")).to_contain_text("This file is not a PDF file")
    expect(form.get_by_label("Title")).to_have_value("Roof")
    expect(form.get_by_label("Due")).to_have_value("2027-03-31")
    expect(form.get_by_label("Client")).to_have_value(f"Crane #{rows['Crane'].id}")
    form.get_by_label("Brief").set_input_files(PDF)
    form.get_by_role("button", name="Add job").click()
    row = page.locator("#jobs-rows .record").first
    expect(row).to_contain_text("31 Mar 2027")
    expect(row.get_by_role("link", name="Crane")).to_be_visible()
    expect(row.get_by_role("link", name="plan.pdf")).to_have_attribute("download", "plan.pdf")
    job = db.session.scalar(select(Job))
    assert (job.client_id, job.brief.filename) == (rows["Crane"].id, "plan.pdf")
    assert page.console_errors == []


def test_date_relation_and_file_without_javascript(typed, alice, browse):
    acme = customer(alice, "Acme")
    page = browse.page(alice, javascript=False)
    page.goto("/jobs/new")
    page.get_by_label("Title").fill("Roof")
    page.get_by_label("Due").fill("2027-03-31")
    page.get_by_label("Client").select_option(label="Acme")
    page.get_by_label("Brief").set_input_files(PDF)
    page.get_by_label("Hours").fill("lots")
    page.get_by_role("button", name="Add job").click()
    expect(page.locator(".field-error")).to_have_text("Hours must be a whole number, for example 42.")
    expect(page.get_by_label("Due")).to_have_value("2027-03-31")
    expect(page.get_by_role("link", name="plan.pdf")).to_be_visible()  # the file sent is kept
    page.get_by_label("Hours").fill("4")
    page.get_by_role("button", name="Add job").click()
    page.wait_for_url(re.compile(r"/jobs/$"))
    row = page.locator("#jobs-rows .record").first
    expect(row).to_contain_text("31 Mar 2027")
    expect(row.get_by_role("link", name="Acme")).to_be_visible()
    expect(row.get_by_role("link", name="plan.pdf")).to_be_visible()
    page.goto("/jobs/?due_from=2027-04-01")
    expect(page.locator("#jobs-rows .record")).to_have_count(0)
    assert db.session.scalar(select(Job.client_id)) == acme.id
