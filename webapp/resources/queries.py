"""Reading declared resources: only the current user's rows, a fixed number of statements per page."""

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..errors import NotFound
from ..extensions import db


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
        return list(reversed(list(zip(resources, self.ancestors))))


@dataclass
class Listing:
    """One page of a list: its rows, where the next page starts (None: no more), the search text."""

    rows: list
    next_after: Optional[int] = None
    q: str = ""
    after: Optional[int] = None
    everyone: bool = False


def owned(resource, user):
    """SELECT the resource's rows with their ancestors, joined up to the root ``user`` owns."""
    chain = resource.lineage
    statement = select(*(r.model for r in chain))
    for child, parent in zip(chain, chain[1:]):
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


def listing(resource, user, parent=None, q="", after=None, size=25, everyone=False):
    """One page of the user's rows (or of ``parent``'s children), in one statement, without COUNT.

    ``everyone`` (administrators only; the view decides) lists every owner's rows, with
    their owners loaded by the same statement.
    """
    statement = select(resource.model).options(*resource.load_options)
    if parent is not None:
        statement = statement.where(resource.column(resource.parent.fk) == parent.id)
    elif everyone:
        statement = statement.options(joinedload(resource.owner_relationship))
    else:
        statement = statement.where(resource.column(resource.owner) == user.id)
    if q and resource.search:
        statement = statement.where(resource.search_filter([resource.column(n) for n in resource.search], q))
    if resource.positioned:
        rows = db.session.scalars(statement.order_by(resource.column(resource.order.column))).all()
        return Listing(list(rows), q=q)
    key = resource.column(resource.order.column)
    if after is not None:
        statement = statement.where(key < after)
    # One row more than the page tells whether another page exists, without counting.
    rows = list(db.session.scalars(statement.order_by(key.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    next_after = getattr(rows[-1], resource.order.column) if more else None
    return Listing(rows, next_after, q, after, everyone)
