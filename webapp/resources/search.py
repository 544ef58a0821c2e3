"""Text search for resource lists: a case-insensitive substring match, index-backed on both databases.

PostgreSQL answers ``ILIKE '%term%'`` (served by trigram indexes where a migration made
them); SQLite looks the term up in the FTS5 table ``<table>_search`` (trigram tokenizer)
when the declaration says the search is indexed (``search_index=True``; the migration helper
``webapp.database.create_search_index`` makes both); anything else falls back to
``lower(column) LIKE '%term%'``. Characters the user types, ``%`` and ``_`` included,
match themselves. No table is named here: the declaration says what is searched.
"""

from sqlalchemy import func, literal_column, or_, select, table

from ..extensions import db
from ..text import without_control_characters

MAX_QUERY_LENGTH = 100
# The trigram tokenizer cannot match shorter terms.
TRIGRAM = 3
# On SQLite, a person's (or a parent's) rows up to this many are searched in place (about 1.5 µs a row).
SCAN_IN_PLACE_ROWS = 2000


def normalise_query(text):
    """The search text as the lists use it: without control characters, trimmed, bounded, '' when absent.

    Nobody types NUL in a search box (and PostgreSQL refuses it): such characters are dropped
    and the rest is searched for, on the pages, in the back office and in the API alike.
    """
    return without_control_characters(text or "").strip()[:MAX_QUERY_LENGTH]


def substring_filter(columns, text, dialect=None, indexed=False, scope=None):
    """The WHERE clause of a list search: ``text`` in any of ``columns``, ignoring case.

    ``indexed``: on SQLite, use the FTS5 table ``<table>_search`` over these columns.
    ``scope``: the clause narrowing the list to one owner's (or one parent's) rows, by an index.
    On SQLite a scope of at most ``SCAN_IN_PLACE_ROWS`` rows is then checked in place, newest
    first, until the page is full: the FTS5 lookup returns every match in the whole table before
    the scope applies, so a person's search grew with everyone's rows (p50 4.5x from 100,000 to
    1,000,000 rows). A larger scope goes through the FTS5 table, as checking each of, say,
    10,000 rows in place costs 16 ms where the lookup of a rare word costs 1 ms.
    """
    dialect = dialect or db.engine.dialect.name
    if dialect == "postgresql":
        return or_(*(column.ilike(escape_like(text), escape="\\") for column in columns))
    owner = columns[0].table
    if dialect == "sqlite" and indexed and len(text) >= TRIGRAM and not _few_rows(owner, scope):
        return owner.c.id.in_(_full_text_rowids(f"{owner.name}_search", columns, text))
    return or_(*(func.lower(column).like(escape_like(text.lower()), escape="\\") for column in columns))


def _few_rows(owner, scope):
    """True when at most ``SCAN_IN_PLACE_ROWS`` rows of ``owner`` are in ``scope`` (no row past that one is read)."""
    if scope is None:
        return False
    beyond = select(literal_column("1")).select_from(owner).where(scope).limit(1).offset(SCAN_IN_PLACE_ROWS)
    return db.session.scalar(beyond) is None


def newest_full_text_ids(columns, text, before, limit, dialect=None):
    """The ids of the newest ``limit`` rows with ``text`` in ``columns`` (ids below ``before``), or None.

    For a list of everyone's rows, newest first and not filtered otherwise, on SQLite with the
    FTS5 table: the index is read in id order and stops at ``limit`` matches. Looked up as a
    plain ``id IN (every match)``, a word found in most rows listed them all first (about 85 ms
    for 100,000 rows, growing with the table); the other cases still use :func:`substring_filter`.
    """
    dialect = dialect or db.engine.dialect.name
    if dialect != "sqlite" or len(text) < TRIGRAM:
        return None
    rowid = literal_column("rowid")
    ids = _full_text_rowids(f"{columns[0].table.name}_search", columns, text)
    if before is not None:
        ids = ids.where(rowid < before)
    return ids.order_by(rowid.desc()).limit(limit)


def escape_like(text):
    """The LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\\`` matching themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(columns, text):
    """The FTS5 query finding ``text`` as a phrase in ``columns`` only."""
    phrase = '"' + text.replace('"', '""') + '"'
    return "{" + " ".join(column.name for column in columns) + "} : " + phrase


def _full_text_rowids(fts_name, columns, text):
    """Rowids whose searched columns contain ``text``: an FTS5 phrase, limited to those columns."""
    fts = table(fts_name)
    query = fts_phrase(columns, text)
    return select(literal_column("rowid")).select_from(fts).where(literal_column(fts_name).op("MATCH")(query))
