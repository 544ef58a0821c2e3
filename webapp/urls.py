"""URLs for list pages, which link every row to the same few views.

Rows differ only by their id, and Werkzeug's URL building was a fifth of a list page's
time, so each (endpoint, parameters) route is built once and its text around the id reused:
kept per app and URL root for every later page (``_around_the_id``).
"""

from flask import current_app, g, has_request_context, request, url_for
from flask_login import current_user

from .html import html_text

# An id no row has: put in the URL once to learn the text around it.
PLACEHOLDER_ID = 9_876_543_210_123
# Routes kept with the text around their id (a few per declared resource, more with pages' paths as ``next``).
ROUTES_KEPT = 1024


def url_for_record(endpoint, id_arg, record_id, **params):
    """``url_for(endpoint, **{id_arg: record_id}, **params)``, built once per request and endpoint."""
    try:
        key = (endpoint, id_arg, tuple(sorted(params.items())))
        hash(key)
    except TypeError:  # a list of values, say: build it the ordinary way
        return url_for(endpoint, **{id_arg: record_id}, **params)
    # Kept on the request (its script root and host shape the URL), or on the app context outside one.
    owner = request if has_request_context() else g
    makers = owner.__dict__.setdefault("record_url_makers", {})
    if key not in makers:
        makers[key] = record_url_maker(endpoint, id_arg, **params)
    return makers[key](record_id)


def record_url_maker(endpoint, id_arg, **params):
    """A function of a record's id giving ``url_for(endpoint, **{id_arg: id}, **params)``: for a page
    of rows, whose links differ only by their id, the route is built once."""
    before, after = _around_the_id(endpoint, id_arg, params)

    def record_url(record_id):
        if not _plain_id(record_id):
            return url_for(endpoint, **{id_arg: record_id}, **params)
        return f"{before}{record_id}{after}"

    return record_url


def escaped_record_url_maker(endpoint, id_arg, **params):
    """As :func:`record_url_maker`, giving the URL HTML-escaped for an attribute (the text around the id escaped once)."""
    before, after = (html_text(part) for part in _around_the_id(endpoint, id_arg, params))

    def escaped_record_url(record_id):
        if not _plain_id(record_id):
            return html_text(url_for(endpoint, **{id_arg: record_id}, **params))
        return f"{before}{record_id}{after}"

    return escaped_record_url


def _around_the_id(endpoint, id_arg, params):
    """(before, after): the route's text around a record's id, kept per app, URL root and arguments.

    A relative URL depends on nothing else (no host or subdomain routes), so a list's links are
    built once per process rather than once per page. At most ``ROUTES_KEPT`` are kept: a page's
    own path travels as ``next`` in some.
    """
    try:
        key = (request.script_root if has_request_context() else None, endpoint, id_arg, tuple(sorted(params.items())))
        hash(key)
    except TypeError:  # a list of values, say: not kept
        key = None
    kept = current_app.extensions.setdefault("record_url_routes", {})
    found = kept.get(key)
    if found is None:
        url = url_for(endpoint, **{id_arg: PLACEHOLDER_ID}, **params)
        # The id comes before any other parameter's value (a path segment, or the first
        # query parameter), so its first occurrence is the placeholder.
        before, _, after = url.partition(str(PLACEHOLDER_ID))
        found = (before, after)
        if key is not None:
            if len(kept) >= ROUTES_KEPT:
                kept.clear()
            kept[key] = found
    return found


def _plain_id(value):
    """Digits only: encoded the same in a path or a query, whatever the route."""
    if value.__class__ is int:  # the usual case, first: a row's id
        return value >= 0
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit()
    )


def back_office_endpoint(model):
    """The back-office view of ``model`` for the signed-in administrator, or None (anyone else, or no view)."""
    endpoint = current_app.extensions.get("admin_model_endpoints", {}).get(model)
    if endpoint is None or not (current_user.is_authenticated and current_user.is_admin):
        return None
    return endpoint
