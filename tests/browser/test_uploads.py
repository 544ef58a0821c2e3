"""Cover images in a real browser, through the project forms: progress bar, preview, thumbnails, and without JavaScript."""

import io
import re

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage

from tests.plugins.browser import wait_for_htmx, wait_until_settled
from tests.uploads_support import image_bytes, scenery_png
from webapp.extensions import db
from webapp.models import Asset, Project
from webapp.uploads import service as uploads

pytestmark = pytest.mark.browser

FIELD = "#projects-new-cover"
# In the capture phase on the document: sees every progress event, also those held back from the bar.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  document.addEventListener("htmx:xhr:progress", event => {
    const bar = document.querySelector("#projects-new-cover progress");
    if (bar) window.progressSeen.push({hidden: bar.hidden, value: bar.value, sent: event.detail.loaded === event.detail.total});
  }, true);
}"""
NO_THROTTLE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def png(name, data):
    return {"name": name, "mimeType": "image/png", "buffer": data}


def slow_uploads(page, bytes_per_second):
    """Throttle the page's uploads so the progress bar is on screen long enough to see."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {**NO_THROTTLE, "uploadThroughput": bytes_per_second})
    return cdp


HOLD_PROGRESS = """percent => {
  window.progressHeld = true;
  document.addEventListener("htmx:xhr:progress", event => { if (window.progressHeld) event.stopPropagation(); }, true);
  document.querySelector("#projects-new-cover progress").value = percent;
}"""


def hold_progress_at(page, percent):
    """Show ``percent`` on the bar and keep progress events from moving it, so the screenshot is the same on every run.

    The upload goes on; released, the bar follows it again.
    """
    page.evaluate(HOLD_PROGRESS, percent)
    return lambda: page.evaluate("() => { window.progressHeld = false; }")


def new_project_form(page, name):
    """Open the inline "New project" form on the list and type a name."""
    page.goto("/projects/")
    page.get_by_text("New project", exact=True).click()
    form = page.locator("#projects-new form")
    form.get_by_label("Name").fill(name)
    return form


def natural_width(locator):
    """The picture's decoded width, once it has loaded (0 when it could not be)."""
    expect(locator).to_have_js_property("complete", True)
    return locator.evaluate("img => img.naturalWidth")


def store(owner, data):
    """An uploaded, not yet attached image of ``owner``."""
    return uploads.store_image(FileStorage(io.BytesIO(data), "picture.png", content_type="image/png"), owner)


def test_new_project_gets_a_cover_with_progress_and_preview_and_shows_it_after_reload(
    browse, approved_user, screenshot
):
    page = browse.page(approved_user)
    form = new_project_form(page, "Warehouse move")
    form.get_by_label("Description").fill("Move the stock to the new site before March.")
    page.evaluate(RECORD_PROGRESS)
    _throttled = slow_uploads(page, 128 * 1024)  # the DevTools session must live while the upload runs
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("site.png", scenery_png(compress_level=0))])
    page.locator(f"{FIELD} progress:not([hidden])").wait_for()
    page.wait_for_function(f"() => document.querySelector('{FIELD} progress').value >= 40")
    expect(form.get_by_role("button", name="Add project")).to_be_disabled()  # no saving half an upload
    release = hold_progress_at(page, 60)
    screenshot(page, "upload-progress")
    release()
    page.locator(f"{FIELD} img[data-asset-id]").wait_for()
    seen = page.evaluate("window.progressSeen")
    assert seen and all(not entry["hidden"] for entry in seen) and any(entry["sent"] for entry in seen)
    assert any(0 < entry["value"] < 100 for entry in seen)  # the bar moved before the upload was done
    assert "Uploaded. Save the form to keep it." in page.locator(FIELD).inner_text()
    expect(form.get_by_label("Name")).to_have_value("Warehouse move")
    screenshot(page, "upload-preview")

    form.get_by_role("button", name="Add project").click()
    page.locator(".toast", has_text="Added project “Warehouse move”.").wait_for()
    page.reload()
    row = page.locator("#projects-rows .record", has_text="Warehouse move")
    assert natural_width(row.locator("img.cell-thumb")) == 96
    row.get_by_role("link", name="Warehouse move", exact=True).click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    page.reload()
    assert natural_width(page.get_by_alt_text("Cover of Warehouse move")) == 400
    assert page.console_errors == []


def test_refused_file_says_why_in_place_and_keeps_the_form(browse, approved_user):
    page = browse.page(approved_user)
    form = new_project_form(page, "Typed before the upload")
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("notes.png", b"plain text, not a picture")])
    page.locator(f"{FIELD} .field-error", has_text="is not a JPEG, PNG, WebP or GIF image").wait_for()
    assert page.locator(f"{FIELD} input[type=file]").get_attribute("aria-invalid") == "true"
    expect(form.get_by_label("Name")).to_have_value("Typed before the upload")
    form.get_by_role("button", name="Add project").click()
    page.locator("#projects-rows .record", has_text="Typed before the upload").wait_for()
    assert db.session.scalar(db.select(Project.cover_asset_id)) is None
    assert page.console_errors == []


def test_too_large_file_is_refused_before_it_is_sent(browse, approved_user, live_server):
    page = browse.page(approved_user)
    new_project_form(page, "Huge")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    huge = image_bytes() + b"\0" * (live_server.app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("huge.png", huge)])
    page.locator(f"{FIELD} .field-error", has_text=re.compile(r"larger than \d+ MB")).wait_for()
    assert not any("/uploads/images" in url for url in requests)
    assert page.console_errors == []


def test_inline_edit_replaces_the_cover_and_the_old_one_is_deleted(browse, approved_user, make):
    project = make.project(approved_user, name="Boat refit", description="")
    uploads.replace_image(project, "cover", store(approved_user, scenery_png(sun="#e25c3b")))
    old_id, project_id = project.cover_asset_id, project.id
    page = browse.page(approved_user)
    page.goto("/projects/")
    # Clicked before htmx has processed the page, Edit opens the full edit page instead of the row's form.
    wait_for_htmx(page)
    page.locator(f"#projects-{project_id}").get_by_role("link", name="Edit").click()
    field = page.locator(f"#projects-{project_id}-form-cover")
    expect(field.locator(f'img[data-asset-id="{old_id}"]')).to_be_visible()
    # The form is in the page before htmx has finished with it: a file chosen during the swap reaches no listener.
    wait_until_settled(page)
    page.set_input_files(f"#projects-{project_id}-form-cover input[type=file]", files=[png("new.png", scenery_png())])
    field.locator(f'img[data-asset-id]:not([data-asset-id="{old_id}"])').wait_for()
    page.locator(f"#projects-{project_id}").get_by_role("button", name="Save").click()
    page.locator(".toast", has_text="Saved project “Boat refit”.").wait_for()
    db.session.expire_all()
    new_id = db.session.get(Project, project_id).cover_asset_id
    assert new_id not in (None, old_id) and db.session.get(Asset, old_id) is None
    thumb = page.locator(f"#projects-{project_id} img.cell-thumb")
    assert uploads.thumbnail_url(db.session.get(Asset, new_id), "thumb") == thumb.get_attribute("src")
    assert page.console_errors == []


def test_cover_goes_with_the_form_without_javascript(browse, approved_user):
    page = browse.page(approved_user, javascript=False)
    form = new_project_form(page, "No script")
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("plain.png", scenery_png(size=(300, 200)))])
    form.get_by_role("button", name="Add project").click()
    page.wait_for_url(re.compile(r"/projects/$"))
    row = page.locator("#projects-rows .record", has_text="No script")
    assert natural_width(row.locator("img.cell-thumb")) == 96
    row.get_by_role("link", name="No script", exact=True).click()
    page.wait_for_url(re.compile(r"/projects/\d+$"))
    assert natural_width(page.get_by_alt_text("Cover of No script")) == 300
