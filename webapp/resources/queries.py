"""Reading declared resources: only the current user's rows, a fixed number of statements per page."""

from dataclasses import dataclass

from sqlalchemy import select

from ..exceptions import NotFound
from ..extensions import db
from . import listing as list_query
from . import prebuilt


@dataclass
class Record:
    """A row the user may see, with its ancestors loaded by the same statement (parent first)."""

    resource: object
    obj: object
    ancestors: tuple = ()

    @property
    def parent(self):
        return self.ancestors[0] if self.ancestors else None

    @property
    def trail(self):
        """(resource, obj) pairs from the root down to this record's parent, for breadcrumbs."""
        resources = self.resource.lineage[1:]
        return list(reversed(list(zip(resources, self.ancestors, strict=True))))


@dataclass
class Listing:
    """One page of a list: its rows, where the next page starts (None: no more), the search text, filters and sort."""

    rows: list
    next_after: object = None
    q: str = ""
    after: object = None
    everyone: bool = False
    query: object = None  # the ListQuery read from the URL

    def args(self, resource, **extra):
        """URL parameters that show this list again (search, filters, sort, scope) plus ``extra``."""
        scope = {"scope": "all"} if self.everyone else {}
        if self.query is None:
            return {k: v for k, v in {"q": self.q or None, **scope, **extra}.items() if v is not None}
        return self.query.args(resource, **scope, **extra)


def owned(resource, user, *columns):
    """SELECT the resource's rows with their ancestors (or just ``columns``), joined up to the root ``user`` owns."""
    chain = resource.lineage
    statement = select(*(columns or [r.model for r in chain]))
    for child, parent in zip(chain, chain[1:], strict=False):
        statement = statement.join_from(child.model, parent.model, child.column(child.parent.fk) == parent.pk)
    root = chain[-1]
    return statement.where(root.column(root.owner) == user.id)


def get_owned(resource, record_id, user):
    """The record with this id and its ancestors, or NotFound when it is not the user's (or gone)."""
    statement = owned(resource, user).where(resource.pk == record_id).options(*resource.load_options)
    row = db.session.execute(statement).first()
    if row is None:
        raise NotFound(f"This {resource.singular} does not exist, or is not yours.")
    return Record(resource, row[0], tuple(row[1:]))


def listing(resource, user, parent=None, q="", after=None, size=25, everyone=False, query=None, owners=True):
    """One page of the user's rows (or of ``parent``'s children), in one statement, without COUNT.

    ``query`` (a ListQuery read from the URL) adds filters, an order and its cursor; without
    it the list is searched for ``q`` and continues after the id ``after``, newest first.
    ``everyone`` (administrators only; the view decides) lists every owner's rows, with
    their owners loaded by the same statement unless ``owners`` is false (the API shows only their ids).
    """
    query = query or list_query.ListQuery(q=q, sort=resource.default_sort, after=after)
    if parent is not None:
        scope_column, scope_id = resource.column(resource.parent.fk), parent.id
    else:
        scope_column, scope_id = (None, None) if everyone else (resource.column(resource.owner), user.id)
    rows = prebuilt.page_rows(resource, scope_column, scope_id, everyone, query, size, owners)
    if rows is not None:
        return _page(rows, size, query, everyone)
    statement = select(resource.model).options(*resource.load_options)
    scope = None if scope_column is None else scope_column == scope_id
    if scope is not None:
        statement = statement.where(scope)
    elif owners:
        statement = statement.options(resource.owner_load)
    filters = list_query.where(resource, query)
    if query.q and resource.search:
        newest = None
        if everyone and not filters and not resource.positioned and query.sort.column == "id" and query.sort.descending:
            newest = resource.newest_matches(query.q, query.after, size + 1)
        # A person's own rows (or a parent's) are found by their index first, then searched.
        search = resource.search_clause(query.q, scope=scope) if newest is None else resource.column("id").in_(newest)
        statement = statement.where(search)
    statement = statement.where(*filters)
    if resource.positioned:
        rows = db.session.scalars(statement.order_by(resource.column(resource.order.column))).all()
        return Listing(list(rows), q=query.q, query=query)
    ordering, keyset = list_query.order(resource, query)
    if keyset is not None:
        statement = statement.where(keyset)
    # One row more than the page tells whether another page exists, without counting.
    rows = list(db.session.scalars(statement.order_by(*ordering).limit(size + 1)).unique())
    return _page(rows, size, query, everyone)


def _page(rows, size, query, everyone):
    """The Listing of a page read with one row more than ``size`` (which tells whether another page exists)."""
    more = len(rows) > size
    rows = rows[:size]
    next_after = query.cursor_for(rows[-1]) if more else None
    return Listing(rows, next_after, query.q, query.after, everyone, query)
