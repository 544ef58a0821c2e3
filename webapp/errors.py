"""The error pages: full pages for browsers, small partials for htmx; domain exceptions mapped to their status."""

import contextlib

from flask import current_app, g, render_template
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import BadHost, HTTPException, InternalServerError, SecurityError

from .api.envelope import failure, is_api_request
from .exceptions import DomainError, is_foreign_key_violation
from .extensions import db
from .htmx import is_htmx, is_partial, toast

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Please check the form",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "You need to sign in to see this page.",
    403: "You do not have permission to do this.",
    404: "There is nothing here. The link may be wrong, or the item may have been deleted.",
    405: "This address does not accept that kind of request.",
    413: "What you sent is too large.",
    415: "This address does not accept that content type.",
    429: "You are doing that too often. Please wait a little and try again.",
    500: "An unexpected error happened on our side. It has been logged; please try again.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}


def render_error(status, message=None, headers=None, details=None):
    """The error page (or partial) for ``status``, with a message the user can act on; JSON under /api.

    ``details`` maps form fields to their messages (shown by the pages' own forms, sent by the API).
    """
    message = message or MESSAGES.get(status, TITLES.get(status, "Error"))
    if is_api_request():
        return failure(status, message, details, headers=headers)
    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message}
    if is_htmx():
        # htmx does not swap error responses: the toast is what the user sees.
        toast(message, "error")
    if is_partial():
        body = render_template("errors/_error.html", **context)
    else:
        try:
            body = render_template(f"errors/{status}.html", **context)
        except TemplateNotFound:
            body = render_template("errors/error.html", **context)
    return body, status, headers or {}


def _handle_http_exception(error):
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    description = None
    if error.code not in MESSAGES and error.description:
        description = error.description
    return render_error(error.code, description, headers)


def _handle_bad_host(error):
    """A host name outside TRUSTED_HOSTS, or not a host name at all (``a..b``): no URL can be built
    for it, so the answer uses no template (the pages' navigation builds URLs)."""
    current_app.logger.warning("Refused a request for a host it does not serve: %s", error.description)
    message = "Bad request: this server does not answer for that host name."
    if is_api_request():
        return failure(400, message)
    return current_app.response_class(message + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"})


def _handle_csrf_error(error):
    current_app.logger.warning("CSRF check failed: %s", error.description)
    return render_error(400, "This form has expired or was not sent from this site. Reload the page and try again.")


def _handle_domain_error(error):
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return render_error(error.status, error.message, headers, details=getattr(error, "errors", None))


def _handle_internal_error(error):
    db.session.rollback()
    original = getattr(error, "original_exception", None)
    if original is not None:
        current_app.logger.error("Unhandled exception", exc_info=original)
    return render_error(500)


DATABASE_DOWN = "The database is not answering at the moment. Nothing was lost; please try again in a few seconds."
CONCURRENT_CHANGE = "Someone changed the same records at the same moment. Nothing was saved; please try again."


def _forget_database_state():
    """Drop the failed transaction and the loaded user, so rendering the error needs no database."""
    with contextlib.suppress(SQLAlchemyError):  # the connection is gone; the pool replaces it
        db.session.rollback()
    db.session.remove()
    g._login_user = current_app.login_manager.anonymous_user()


def _rolled_back_by_the_database(error):
    """A deadlock or serialization failure (SQLSTATE class 40, psycopg2's TransactionRollbackError),
    told by its code so that an app on SQLite never loads psycopg2."""
    return str(getattr(error, "pgcode", None) or "").startswith("40")


def _handle_database_error(error):
    """A database that refuses, times out or dropped the connection is a 503 the user can retry, never a 500."""
    if isinstance(error, DBAPIError) and _rolled_back_by_the_database(error.orig):
        # Deadlock or serialization failure: two requests raced on the same rows; the loser may simply retry.
        _forget_database_state()
        return render_error(409, CONCURRENT_CHANGE)
    if isinstance(error, IntegrityError) and is_foreign_key_violation(error.orig):
        # A write naming a row another request deleted meanwhile (resources.writes answers its own as a 404).
        current_app.logger.warning("Refused a write naming a deleted row: %s", str(error.orig).strip().splitlines()[0])
        _forget_database_state()
        return render_error(409, CONCURRENT_CHANGE)
    unavailable = isinstance(error, PoolTimeout | OperationalError | InterfaceError) or error.connection_invalidated
    if not unavailable:
        return _handle_internal_error(InternalServerError(original_exception=error))
    summary = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    current_app.logger.warning("Database unavailable: %s: %s", error.__class__.__name__, summary)
    _forget_database_state()
    return render_error(503, DATABASE_DOWN, {"Retry-After": "5"})


def register_errorhandlers(app):
    """Render every error as a friendly page and never show a stack trace."""
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(PoolTimeout, _handle_database_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(SecurityError, _handle_bad_host)
    app.register_error_handler(BadHost, _handle_bad_host)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(InternalServerError, _handle_internal_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
