"""Real-browser fixtures and helpers: the app served over HTTP on 127.0.0.1, Debian's Chromium driven by Playwright.

Without Chromium the browser tests are skipped, unless REQUIRE_BROWSER=1 (CI), where that
is a failure.
"""

import io
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from webapp.auth.session import session_value_for

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class LiveServer:
    """The app served by a real threaded WSGI server in a background thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def session_cookie_for(self, user):
        """A signed session cookie that signs the browser in as ``user``."""
        serializer = self.app.session_interface.get_signing_serializer(self.app)
        with self.app.app_context():
            value = serializer.dumps({"_user_id": session_value_for(user), "_fresh": True})
        return {"name": self.app.config["SESSION_COOKIE_NAME"], "value": value, "url": self.url}


@pytest.fixture
def live_server(app):
    """The test's app, served over HTTP on an ephemeral port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


def _require_browser(reason):
    if os.environ.get("REQUIRE_BROWSER", "").strip() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _require_browser(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _require_browser(f"Playwright is not installed: {error}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


def _is_script_error(message):
    # Chromium also logs every 4xx/5xx response as a console error; those are expected
    # answers (422 validation, 404 after revoking) that tests assert on directly.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


class BrowserSession:
    """Opens pages on the live server, signed in as someone or anonymous."""

    def __init__(self, browser, server):
        self.browser = browser
        self.server = server
        self.contexts = []

    def page(self, user=None, javascript=True, color_scheme="light"):
        context = self.browser.new_context(
            base_url=self.server.url,
            java_script_enabled=javascript,
            color_scheme=color_scheme,
            viewport={"width": 1280, "height": 860},
        )
        context.set_default_timeout(10_000)
        if user is not None:
            context.add_cookies([self.server.session_cookie_for(user)])
        self.contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: _is_script_error(message) and page.console_errors.append(message.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browse(browser, live_server):
    """``browse.page(user)`` opens a fresh browser context on the live server."""
    session = BrowserSession(browser, live_server)
    yield session
    session.close()


# Chromium's anti-aliasing (a rounded corner over a scaled picture) may differ by a few levels
# from one run to the next; a change that small is not a change of the page.
RENDERING_NOISE = 8
# Every picture fetched and decoded, every font loaded: what the page looks like once it is done.
SETTLED = """async () => {
  await document.fonts.ready;
  await Promise.all(Array.from(document.images).map(img => img.decode().catch(() => null)));
}"""


def _looks_the_same(path, png, ignored=()):
    """True when the PNG at ``path`` and ``png`` differ nowhere by more than rendering noise, outside ``ignored`` boxes."""
    from PIL import Image, ImageChops, ImageDraw

    if not path.exists():
        return False
    with Image.open(path) as old, Image.open(io.BytesIO(png)) as new:
        if old.size != new.size:
            return False
        old, new = old.convert("RGB"), new.convert("RGB")
        for image in (old, new):
            for box in ignored:
                ImageDraw.Draw(image).rectangle(box, fill="black")
        difference = ImageChops.difference(old, new)
        return max(high for _, high in difference.getextrema()) <= RENDERING_NOISE


# The page boxes of what ``selector`` matches, as (left, top, right, bottom), the page scrolled to its top.
BOXES = """selector => Array.from(document.querySelectorAll(selector)).map(element => {
  const r = element.getBoundingClientRect();
  return [Math.floor(r.left), Math.floor(r.top), Math.ceil(r.right), Math.ceil(r.bottom)];
})"""


@pytest.fixture
def screenshot():
    """Save a screenshot for the docs: ``screenshot(page, "projects-list")``.

    The file only changes when the page does: the screenshot waits for pictures and fonts,
    finishes transitions first (a focus ring fading in, a toast sliding up) instead of catching
    one halfway, and leaves the file alone when only rendering noise differs, or only what
    ``changing`` (a CSS selector) matches: the clock's time shown on the page, say.
    """

    def save(page, name, full_page=True, changing=None):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate(SETTLED)
        if full_page:  # scrolled, a whole-page capture draws the sticky top bar where the window was
            page.evaluate("window.scrollTo(0, 0)")
        png = page.screenshot(full_page=full_page, animations="disabled")
        ignored = [tuple(box) for box in page.evaluate(BOXES, changing)] if changing else []
        path = SCREENSHOTS / f"{name}.png"
        if not _looks_the_same(path, png, ignored):
            path.write_bytes(png)

    return save


def wait_until_settled(page, timeout_ms=5000):
    """Wait until no htmx request, swap or settle is under way on ``page``, and new content is processed.

    htmx inserts swapped content (marked ``htmx-added``) a task before it processes it, so an element
    can be on the page before its ``hx-*`` attributes listen to anything.
    """
    busy = "!!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    for _ in range(timeout_ms // 20):
        if not page.evaluate(busy):
            return
        page.wait_for_timeout(20)
    raise AssertionError("htmx did not settle")


def wait_for_htmx(page):
    """Wait until the page has loaded and htmx has processed it (its deferred script ran)."""
    page.wait_for_function("() => document.readyState === 'complete' && window.htmx !== undefined")


def expect_focused(locator, timeout_ms=5000):
    """Wait until ``locator`` is the page's focused element (``document.activeElement``).

    Playwright's ``to_be_focused`` also needs the browser window itself to have focus, which
    headless Chromium can take away from the page after a native drag; keyboard users meet
    the page's own focus, so that is what these checks wait for.
    """
    page = locator.page
    for _ in range(timeout_ms // 50):
        if locator.count() == 1 and locator.evaluate("element => element === document.activeElement"):
            return
        page.wait_for_timeout(50)
    active = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{locator} is not focused; the focused element is {active}")
