"""Text search for resource lists: a case-insensitive substring match, index-backed on both databases.

PostgreSQL answers ``ILIKE '%term%'`` (served by trigram indexes where a migration made
them); SQLite looks the term up in an FTS5 table with the trigram tokenizer when the
searched table has one (``FULL_TEXT_TABLES``); anything else falls back to
``lower(column) LIKE '%term%'``. Characters the user types, ``%`` and ``_`` included,
match themselves.
"""

from sqlalchemy import func, literal_column, or_, select, table

from ..extensions import db

MAX_QUERY_LENGTH = 100
# Table name -> its FTS5 table (trigram tokenizer) on SQLite; made by migration 0003.
FULL_TEXT_TABLES = {"project": "project_search"}
# The trigram tokenizer cannot match shorter terms.
TRIGRAM = 3


def normalise_query(text):
    """The search text as the lists use it: trimmed, bounded, '' when absent."""
    return (text or "").strip()[:MAX_QUERY_LENGTH]


def substring_filter(columns, text, dialect=None):
    """The WHERE clause of a list search: ``text`` in any of ``columns``, ignoring case."""
    dialect = dialect or db.engine.dialect.name
    if dialect == "postgresql":
        return or_(*(column.ilike(_like_pattern(text), escape="\\") for column in columns))
    owner = columns[0].table
    fts_name = FULL_TEXT_TABLES.get(owner.name)
    if dialect == "sqlite" and fts_name and len(text) >= TRIGRAM:
        return owner.c.id.in_(_full_text_rowids(fts_name, columns, text))
    return or_(*(func.lower(column).like(_like_pattern(text.lower()), escape="\\") for column in columns))


def _like_pattern(text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _full_text_rowids(fts_name, columns, text):
    """Rowids whose searched columns contain ``text``: an FTS5 phrase, limited to those columns."""
    fts = table(fts_name)
    phrase = '"' + text.replace('"', '""') + '"'
    query = "{" + " ".join(column.name for column in columns) + "} : " + phrase
    return select(literal_column("rowid")).select_from(fts).where(literal_column(fts_name).op("MATCH")(query))
