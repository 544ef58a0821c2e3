"""Hand-ordered rows: positions stay 0..n-1 without gaps and unique, even when people edit at once.

Every change takes a lock on the parent row first (PostgreSQL: SELECT ... FOR UPDATE;
SQLite: a write on the parent that changes no value, which takes the database's write lock),
so two requests reordering, adding or deleting under the same parent run one after the other.
Positions are then rewritten in two UPDATEs that never collide with the UNIQUE(parent, position)
constraint, which both databases check row by row, whatever positions are stored (negative
ones, gaps): any change that moves a row renumbers the whole list 0..n-1.
"""

import itertools

from sqlalchemy import case, func, select, update

from ..exceptions import Conflict
from ..extensions import db

GONE = "Someone deleted this row a moment ago; reload to see the list as it is now."


def lock_row(resource, record_id):
    """Hold the lock of ``resource``'s row ``record_id`` until the transaction ends; False when it is gone.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite: a write that changes no value, which takes the
    database's write lock and counts the row. A Core UPDATE stamps every column with an onupdate
    (updated_at) that it does not set itself: setting those to themselves keeps the row as it was.
    """
    pk = resource.pk
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(select(pk).where(pk == record_id).with_for_update()).first() is not None
    same = {column: column for column in pk.table.columns if column.onupdate is not None} or {pk: pk}
    return db.session.execute(update(pk.table).where(pk == record_id).values(same)).rowcount == 1


def lock_parent(resource, parent_id):
    """Hold the parent's lock until the transaction ends, so position changes are serialised."""
    lock_row(resource.parent.resource, parent_id)


def _columns(resource):
    table = resource.model.__table__
    return table, resource.pk, table.c[resource.order.column], table.c[resource.parent.fk]


def positions(resource, parent_id):
    """[(id, position)] of the parent's rows, in order."""
    _, pk, position, fk = _columns(resource)
    return list(db.session.execute(select(pk, position).where(fk == parent_id).order_by(position)))


def place_last(resource, obj, parent_id):
    """Give a new row the position after the last one (renumbering first a list stored with gaps)."""
    lock_parent(resource, parent_id)
    _, _, position, fk = _columns(resource)
    rows, lowest, last = db.session.execute(
        select(func.count(), func.min(position), func.max(position)).where(fk == parent_id)
    ).one()
    if rows and (lowest, last) != (0, rows - 1):
        # Stored with gaps or negative positions: last + 1 could even overflow the column.
        current = positions(resource, parent_id)
        _apply(resource, current, [row_id for row_id, _ in current])
    setattr(obj, resource.order.column, rows)


def remove(resource, obj):
    """Delete a row and move the rows after it up by one; the caller holds the parent's lock (``lock_parent``).

    The caller takes it before the row's own lock, the order every position change keeps.
    """
    parent_id = getattr(obj, resource.parent.fk)
    db.session.delete(obj)
    db.session.flush()
    current = positions(resource, parent_id)
    _apply(resource, current, [row_id for row_id, _ in current])


def move(resource, obj, direction):
    """Swap a row with its neighbour above ("up") or below ("down"); False at either end."""
    parent_id = getattr(obj, resource.parent.fk)
    lock_parent(resource, parent_id)
    current = positions(resource, parent_id)
    order = [row_id for row_id, _ in current]
    if obj.id not in order:
        raise Conflict(GONE)  # deleted by another request between loading it and taking the lock
    index = order.index(obj.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return False
    order[index], order[other] = order[other], order[index]
    return _apply(resource, current, order)


def reorder(resource, parent_id, wanted):
    """Put the parent's rows in the order of the ids in ``wanted``; True when anything moved.

    Ids that are not the parent's are ignored; rows the request did not mention (added
    meanwhile in another tab) keep their relative order after the ones it did.
    """
    lock_parent(resource, parent_id)
    current = positions(resource, parent_id)
    known = {row_id for row_id, _ in current}
    mentioned = list(dict.fromkeys(row_id for row_id in wanted if row_id in known))
    rest = [row_id for row_id, _ in current if row_id not in set(mentioned)]
    order = mentioned + rest
    if order == [row_id for row_id, _ in current]:
        return False  # the same order: nothing to write, even where stored positions have gaps
    return _apply(resource, current, order)


def _apply(resource, current, order):
    """Store positions 0..n-1 following ``order``, touching only the rows that move."""
    table, pk, position, _ = _columns(resource)
    was = dict(current)
    moves = {row_id: index for index, row_id in enumerate(order) if was[row_id] != index}
    if not moves:
        return False
    # Phase one parks each moving row on a negative position no row holds (stored ones may be
    # negative too); phase two puts it on its final one, which by then no row holds.
    taken = set(was.values())
    free = (value for value in itertools.count(-1, -1) if value not in taken)
    parked = {row_id: next(free) for row_id in moves}
    db.session.execute(update(table).where(pk.in_(moves)).values({position: case(parked, value=pk)}))
    db.session.execute(update(table).where(pk.in_(moves)).values({position: case(moves, value=pk)}))
    return True
