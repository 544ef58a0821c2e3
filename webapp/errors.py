"""Domain exceptions and the error pages: full pages for browsers, small partials for htmx."""

from flask import current_app, render_template
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, InternalServerError

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
    429: "You are doing that too often. Please wait a little and try again.",
    500: "An unexpected error happened on our side. It has been logged; please try again.",
    503: "The service is temporarily unavailable. Please try again shortly.",
}


class DomainError(Exception):
    """A rule of the application refused an action; carries the message and HTTP status to show."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(DomainError):
    """The record does not exist, or the user may not know that it does."""

    status = 404


class Conflict(DomainError):
    """The action no longer applies to the record's current state."""

    status = 409


class Forbidden(DomainError):
    """The user may not do this."""

    status = 403


def render_error(status, message=None, headers=None):
    """The error page (or partial) for ``status``, with a message the user can act on."""
    message = message or MESSAGES.get(status, TITLES.get(status, "Error"))
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


def _handle_csrf_error(error):
    current_app.logger.warning("CSRF check failed: %s", error.description)
    return render_error(400, "This form has expired or was not sent from this site. Reload the page and try again.")


def _handle_domain_error(error):
    return render_error(error.status, error.message)


def _handle_internal_error(error):
    db.session.rollback()
    original = getattr(error, "original_exception", None)
    if original is not None:
        current_app.logger.error("Unhandled exception", exc_info=original)
    return render_error(500)


def register_errorhandlers(app):
    """Render every error as a friendly page and never show a stack trace."""
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(InternalServerError, _handle_internal_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
