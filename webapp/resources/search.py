"""Text search for resource lists, in one function so a faster index-backed search can replace it."""

from sqlalchemy import func, or_

MAX_QUERY_LENGTH = 100


def normalise_query(text):
    """The search text as the lists use it: trimmed, bounded, '' when absent."""
    return (text or "").strip()[:MAX_QUERY_LENGTH]


def substring_filter(columns, text):
    """A case-insensitive substring match of ``text`` on any of ``columns``.

    Written as ``lower(column) LIKE '%text%'`` on every database, so SQLite and PostgreSQL
    answer the same; ``%`` and ``_`` typed by the user match themselves. SQLite's lower()
    folds ASCII letters only. It scans the owner's rows: a trigram or full-text index
    can take over by replacing this function (``Resource(search_filter=...)``).
    """
    needle = text.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))
