"""The JSON envelope every /api answer uses: ``success``, ``data`` or ``error``, ``meta``, ``timestamp``."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

from flask import current_app, request

API_PREFIX = "/api"
JSON_TYPE = "application/json"
# How much of a name the client chose (a query parameter, a body member, a form part) an answer repeats.
ECHOED_NAME_LENGTH = 40

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
}


def is_api_request():
    """True for every request under /api, routed or not."""
    path = request.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def timestamp():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _default(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def echoed_name(name):
    """A name the client chose, fit to repeat in ``details``: its first 40 characters, lone surrogates spelt ``\\udxxx``."""
    return str(name)[:ECHOED_NAME_LENGTH].encode("utf-8", "backslashreplace").decode("utf-8")


def respond(body, status, headers=None):
    """A JSON response with ``body``; never cached by a shared cache (answers depend on the credential)."""
    # A lone surrogate (JSON's "\ud800" decodes to one) cannot be UTF-8: write it back as the same JSON escape.
    text = json.dumps(body, default=_default, ensure_ascii=False).encode("utf-8", "backslashreplace")
    response = current_app.response_class(text, status=status, mimetype=JSON_TYPE)
    response.headers.update(headers or {})
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def success(data, status=200, meta=None, headers=None):
    """``{"success": true, "data": …, "meta": {…}, "timestamp": …}``."""
    return respond({"success": True, "data": data, "meta": meta or {}, "timestamp": timestamp()}, status, headers)


def failure(status, message, details=None, code=None, headers=None, **extra):
    """``{"success": false, "error": {"code", "message", "details"}, "timestamp": …}``.

    ``details`` maps a field name to its messages; ``extra`` adds documented members to the
    error (an account's status and where to ask for access, say).
    """
    details = {
        name: messages if isinstance(messages, list) else [str(messages)] for name, messages in (details or {}).items()
    }
    error = {"code": code or CODES.get(status, "error"), "message": message, "details": details, **extra}
    return respond({"success": False, "error": error, "timestamp": timestamp()}, status, headers)
