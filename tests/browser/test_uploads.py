"""Image uploads in a real browser: progress bar, preview, the image after reload, and without JavaScript."""

import io
import re

import pytest
from PIL import Image

from tests.uploads_support import image_bytes

pytestmark = pytest.mark.browser

FIELD = "#image-field-cover"
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  document.body.addEventListener("htmx:xhr:progress", () => {
    const bar = document.querySelector("#image-field-cover progress");
    if (bar) window.progressSeen.push({hidden: bar.hidden, value: bar.value});
  });
}"""


def gradient_png(size=(400, 300)):
    """A colourful picture stored uncompressed (~360 KB at 400x300), so a throttled upload takes a while."""
    across = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (across, across.transpose(Image.Transpose.ROTATE_90).resize(size), Image.new("L", size, 170)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def png(name, data):
    return {"name": name, "mimeType": "image/png", "buffer": data}


def slow_uploads(page, bytes_per_second):
    """Throttle the page's uploads so the progress bar is on screen long enough to see."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second})
    return cdp


def test_upload_shows_progress_then_preview_and_the_cover_survives_reload(browse, make, approved_user, screenshot):
    project = make.project(approved_user, name="Warehouse move")
    page = browse.page(approved_user)
    page.goto(f"/uploads/demo/projects/{project.id}/cover")
    page.evaluate(RECORD_PROGRESS)
    cdp = slow_uploads(page, 256 * 1024)
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("site.png", gradient_png())])
    page.locator(f"{FIELD} progress:not([hidden])").wait_for()
    page.wait_for_function("() => document.querySelector('#image-field-cover progress').value >= 40")
    screenshot(page, "upload-progress")
    page.locator(f"{FIELD} img[data-asset-id]").wait_for()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    seen = page.evaluate("window.progressSeen")
    assert seen and all(not entry["hidden"] for entry in seen) and seen[-1]["value"] == 100
    assert "Uploaded. Save the form to keep it." in page.locator(FIELD).inner_text()
    screenshot(page, "upload-preview")

    page.get_by_role("button", name="Save cover").click()
    page.locator(".toast", has_text="Cover image saved.").wait_for()
    page.reload()
    preview = page.locator(f"{FIELD} img[data-asset-id]")
    preview.wait_for()
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 480
    assert page.get_by_alt_text("Cover of Warehouse move").evaluate("img => img.naturalWidth") == 96
    assert page.console_errors == []


def test_refused_file_says_why_in_place_and_keeps_the_form(browse, make, approved_user):
    project = make.project(approved_user)
    page = browse.page(approved_user)
    page.goto(f"/uploads/demo/projects/{project.id}/cover")
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("notes.png", b"plain text, not a picture")])
    page.locator(f"{FIELD} .field-error", has_text="is not a JPEG, PNG, WebP or GIF image").wait_for()
    assert page.locator(f"{FIELD} input[type=file]").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("button", name="Save cover").is_enabled()
    assert page.console_errors == []


def test_too_large_file_is_refused_before_it_is_sent(browse, make, approved_user, live_server):
    project = make.project(approved_user)
    page = browse.page(approved_user)
    page.goto(f"/uploads/demo/projects/{project.id}/cover")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    huge = image_bytes() + b"\0" * (live_server.app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("huge.png", huge)])
    page.locator(f"{FIELD} .field-error", has_text=re.compile(r"larger than \d+ MB")).wait_for()
    assert not any("/uploads/images" in url for url in requests)
    assert page.console_errors == []


def test_upload_works_as_a_plain_form_without_javascript(browse, make, approved_user):
    project = make.project(approved_user, name="No script")
    page = browse.page(approved_user, javascript=False)
    page.goto(f"/uploads/demo/projects/{project.id}/cover")
    page.set_input_files(f"{FIELD} input[type=file]", files=[png("plain.png", image_bytes(size=(300, 200)))])
    page.get_by_role("button", name="Save cover").click()
    preview = page.locator(f"{FIELD} img[data-asset-id]")
    preview.wait_for()
    assert page.url.endswith(f"/uploads/demo/projects/{project.id}/cover")
    assert preview.evaluate("img => img.naturalWidth") == 480
