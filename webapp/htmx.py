"""The one place that reads HX-* request headers and writes HX-* response headers."""

import json
from urllib.parse import urlsplit

from flask import flash, g, render_template, request

from .extensions import htmx

TOAST_EVENT = "toast"


def is_htmx():
    """True for any request htmx made, boosted navigation included."""
    return bool(htmx)


def is_partial():
    """True when the response should be a fragment: htmx asked, and not for a whole page.

    Boosted links and history restores swap the whole body, so they get the full page.
    """
    return is_htmx() and not htmx.boosted and not htmx.history_restore_request


def render_page_or_partial(page, partial, status=200, **context):
    """Render ``partial`` for a fragment request and ``page`` (which includes it) otherwise."""
    template = partial if is_partial() else page
    return render_template(template, **context), status


def toast(message, category="success"):
    """Tell the user something: a toast after an htmx swap, a flashed message after a page load."""
    if is_partial():
        g.setdefault("toasts", []).append({"message": str(message), "category": category})
    else:
        flash(message, category)


def client_redirect(response, url):
    """Make htmx load ``url`` as a full page (used instead of a 302 for fragment requests)."""
    response.headers["HX-Redirect"] = url
    return response


def push_url(response, url):
    """Record ``url`` in the browser history for this swap, so reload and back show it."""
    response.headers["HX-Push-Url"] = url
    return response


def trigger(response, event, detail=None):
    """Fire a client-side event after the swap, keeping any events already set."""
    events = json.loads(response.headers.get("HX-Trigger", "{}"))
    events[event] = detail if detail is not None else {}
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def finish_response(response):
    """Add the headers every response needs: the cache key and the pending toasts."""
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    toasts = g.pop("toasts", None)
    if toasts:
        trigger(response, TOAST_EVENT, toasts)
    return response


def current_url():
    """The page the browser shows, as htmx reports it, else the request's own URL."""
    return request.headers.get("HX-Current-URL") or request.url


def current_path():
    """The path (and query) of the page the browser shows, even for a fragment request.

    The header is the client's word: when it is not a URL with a path (``http://[`` makes
    ``urlsplit`` raise), the request's own path stands in.
    """
    try:
        url = urlsplit(current_url())
    except ValueError:
        url = None
    if url is None or not url.path.startswith("/"):
        url = urlsplit(request.url)
    return url.path + (f"?{url.query}" if url.query else "")
