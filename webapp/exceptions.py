"""Domain exceptions: a rule of the application refused an action. No web imports here.

Services raise these; ``webapp/errors.py`` maps each to its HTTP answer in one place.
"""


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
