"""A list page's statement built once per shape, with its values as bound parameters.

Building a SELECT and computing its cache key cost more than running it for a page of rows
(about 0.15 ms of 0.45; a search's clauses as much again). A list without filters (scoped to
an owner or a parent, or everyone's, in any declared sort, from the start or after a cursor,
searched or not) has one of a few shapes per resource: each is built once and kept, as
``services.sessions.SESSION_AND_USER`` is, and the page's values go in as parameters. Other
lists (filters, hand-ordered rows, a resource's own search filter) are built as before.
"""

from sqlalchemy import bindparam, func, literal_column, or_, select, table, tuple_

from ..extensions import db
from . import search as search_module
from .search import TRIGRAM, escape_like, fts_phrase, substring_filter

# Shapes are few per resource (scope x sort x cursor x search): the bound is for resources made at run time (tests).
MAX_SHAPES = 1024
_shapes = {}


def page_rows(resource, scope_column, scope_id, everyone, query, size, owners=True):
    """The rows of one page (``size`` + 1 at most, to tell whether more follow), or None when this list
    has no prebuilt shape (the caller builds its statement as before). Everyone's rows come with their
    owners unless ``owners`` is false."""
    if resource.positioned or query.filters or (query.q and resource.search_filter is not substring_filter):
        return None
    sort, after, params = query.sort, query.after, {"limit": size + 1, "scope_id": scope_id}
    if after is not None and sort.column != "id":
        if after[1] is None:
            after = None
        else:
            params["after_value"], params["after_id"] = after
    elif after is not None:
        params["after_id"] = after
    searched = query.q and resource.search
    search = _search_mode(resource, scope_column, scope_id, everyone, query) if searched else None
    if search == "fts" or search == "newest":
        params["match"] = fts_phrase(resource.search_columns, query.q)
    elif search is not None:
        params["pattern"] = escape_like(query.q if search == "ilike" else query.q.lower())
    owners = everyone and owners
    key = (resource, scope_column, owners, sort, after is not None, search)
    statement = _shapes.get(key)
    if statement is None:
        statement = _page_statement(resource, scope_column, owners, sort, after is not None, search)
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        _shapes[key] = statement
    return list(db.session.scalars(statement, params).unique())


def _search_mode(resource, scope_column, scope_id, everyone, query):
    """How ``query.q`` is looked up, as ``substring_filter`` (and ``newest_full_text_ids``) decide."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return "ilike"
    indexed = dialect == "sqlite" and resource.search_index and len(query.q) >= TRIGRAM
    if not indexed:
        return "like"
    if everyone and not resource.positioned and query.sort.column == "id" and query.sort.descending:
        return "newest"
    if scope_column is not None and _few_rows(resource, scope_column, scope_id):
        return "like"
    return "fts"


def _few_rows(resource, scope_column, scope_id):
    """True when at most ``SCAN_IN_PLACE_ROWS`` rows are in the scope (see ``search.substring_filter``)."""
    key = ("few rows", resource, scope_column)
    statement = _shapes.get(key)
    if statement is None:
        owner = resource.model.__table__
        statement = (
            select(literal_column("1"))
            .select_from(owner)
            .where(scope_column == bindparam("scope_id"))
            .limit(1)
            .offset(bindparam("scan_rows"))
        )
        _shapes[key] = statement
    # Read when asked, as substring_filter reads it (a test may move it).
    return db.session.scalar(statement, {"scope_id": scope_id, "scan_rows": search_module.SCAN_IN_PLACE_ROWS}) is None


def _page_statement(resource, scope_column, owners, sort, has_cursor, search):
    statement = select(resource.model).options(*resource.load_options)
    if scope_column is not None:
        statement = statement.where(scope_column == bindparam("scope_id"))
    if owners:
        statement = statement.options(resource.owner_load)
    if search is not None:
        statement = statement.where(_search_clause(resource, search, has_cursor))
    key, pk = resource.column(sort.column), resource.pk
    if has_cursor and sort.column == "id":
        after = bindparam("after_id", type_=pk.type)
        statement = statement.where(key < after if sort.descending else key > after)
    elif has_cursor:
        pair = tuple_(key, pk)
        cursor = tuple_(bindparam("after_value", type_=key.type), bindparam("after_id", type_=pk.type))
        statement = statement.where(pair < cursor if sort.descending else pair > cursor)
    ordering = [key.desc(), pk.desc()] if sort.descending else [key, pk]
    if sort.column == "id":
        ordering = ordering[:1]
    return statement.order_by(*ordering).limit(bindparam("limit"))


def _search_clause(resource, search, has_cursor):
    columns = resource.search_columns
    pattern = bindparam("pattern")
    if search == "ilike":
        return or_(*(column.ilike(pattern, escape="\\") for column in columns))
    if search == "like":
        return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
    owner = resource.model.__table__
    fts_name = f"{owner.name}_search"
    rowid = literal_column("rowid")
    ids = select(rowid).select_from(table(fts_name)).where(literal_column(fts_name).op("MATCH")(bindparam("match")))
    if search == "newest":
        # As newest_full_text_ids: the index read in id order from the cursor, stopping at the page's rows.
        if has_cursor:
            ids = ids.where(rowid < bindparam("after_id", type_=resource.pk.type))
        ids = ids.order_by(rowid.desc()).limit(bindparam("limit"))
    return owner.c.id.in_(ids)
