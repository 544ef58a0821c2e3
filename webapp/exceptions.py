"""Domain exceptions: a rule of the application refused an action. No web imports here.

Services raise these; ``webapp/errors.py`` maps each to its HTTP answer in one place.
"""

import traceback


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


class InvalidInput(DomainError):
    """Submitted values break the rules; ``errors`` maps each field to its message. Nothing was stored."""

    status = 422

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


class FieldError(ValueError):
    """A submitted value is unusable; its message is written for the person who sent it.

    Any other ValueError raised while reading a field is a bug or a library's words: the
    person sees a generic message and the details go to the log.
    """


UNREADABLE = "This value could not be read; please check it."


def shown_message(error, log, what):
    """The words the sender sees for ``error`` raised reading ``what``: a FieldError's own, else UNREADABLE.

    Any other error is a bug or a library speaking, so its words go to ``log`` for the operator
    (type and text, cut short: it may quote the submitted value), never to the sender, with
    where it was raised (the frames and their source lines, which hold no submitted value).
    """
    if isinstance(error, FieldError):
        return str(error)
    raised_at = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    log.warning(
        "Could not read %s: %s: %.200s\nRaised at (most recent call last):\n%s",
        what,
        type(error).__name__,
        error,
        raised_at,
        stacklevel=2,
    )
    return UNREADABLE


class Busy(DomainError):
    """The server is at capacity for this kind of work; the client may retry after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message, retry_after=5):
        super().__init__(message)
        self.retry_after = retry_after


def is_foreign_key_violation(error):
    """True for a DBAPI error refusing a row that names one no longer there (SQLSTATE 23503; SQLite's
    extended code), told apart without loading psycopg2."""
    return (
        getattr(error, "pgcode", None) == "23503"
        or getattr(error, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_FOREIGNKEY"
    )
