"""Image fields on any model, and the flush hook that keeps assets in step with them.

A model has an image field when it has a many-to-one relationship to ``Asset`` (a nullable
foreign key to ``asset.id`` with ON DELETE SET NULL); nothing else needs declaring. Whenever
a flush changes or deletes such a field, however the change was made (a service, the back
office, a plain ``db.session.delete``), the new asset is attached and the old one is marked
orphaned in the same transaction. After the commit its id waits in ``session.info`` until
``uploads.service.destroy_released()`` deletes the stored file and the row.
"""

import functools
from dataclasses import dataclass

from sqlalchemy import event, inspect, select, union
from sqlalchemy.orm import MANYTOONE

from ..extensions import db
from ..models import Asset, utcnow

RELEASED = "hyperdesk.released_assets"  # orphaned in the transaction in progress
TO_DESTROY = "hyperdesk.assets_to_destroy"  # orphaned by a committed transaction


@dataclass(frozen=True)
class ImageField:
    """One model's relationship to an Asset, and the foreign key column behind it."""

    model: type
    name: str
    fk: str

    @property
    def column(self):
        return getattr(self.model, self.fk)


@functools.cache
def image_fields():
    """Every image field of every model, found from the mappers."""
    found = []
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
        for rel in mapper.relationships:
            if rel.mapper.class_ is Asset and rel.direction is MANYTOONE and rel.parent.class_ is not Asset:
                (column,) = rel.local_columns
                found.append(ImageField(mapper.class_, rel.key, mapper.get_property_by_column(column).key))
    return tuple(found)


def image_field(model, name):
    """The image field ``name`` of ``model``, or ValueError when it is not one."""
    for field in image_fields():
        if issubclass(model, field.model) and field.name == name:
            return field
    raise ValueError(f"{model.__name__}.{name} is not an image field (a many-to-one relationship to Asset)")


def referenced_ids():
    """A query for the id of every asset some image field points at."""
    selects = [select(f.column.label("asset_id")).where(f.column.is_not(None)) for f in image_fields()]
    return union(*selects) if len(selects) > 1 else selects[0]


def is_referenced(session, asset_id):
    """True when some image field points at the asset."""
    return any(
        session.scalar(select(f.column).where(f.column == asset_id).limit(1)) is not None for f in image_fields()
    )


def mark_released(session, asset):
    """Orphan ``asset`` in this transaction; nobody may attach it again, and it is deleted after the commit."""
    asset.orphaned_at = utcnow()
    asset.owner_id = None
    session.info.setdefault(RELEASED, set()).add(asset.id)


def take_destroy_queue(session):
    """The ids of assets released by committed transactions, emptying the queue."""
    return session.info.pop(TO_DESTROY, set())


def _stored_value(session, obj, field):
    """The foreign key as the database has it, before this flush."""
    mapper = inspect(type(obj))
    (pk,) = mapper.primary_key
    return session.scalar(select(field.column).where(pk == inspect(obj).identity[0]))


def _new_value(obj, field):
    """The asset (or id) the field will hold after this flush, or ``...`` when unchanged."""
    state = inspect(obj)
    relationship = state.attrs[field.name].history
    if relationship.added or relationship.deleted:
        return relationship.added[0] if relationship.added else None
    column = state.attrs[field.fk].history
    if column.added or column.deleted:
        return column.added[0] if column.added else None
    return ...


def _changes(session):
    """(released ids, attached assets or ids) for the image fields this flush changes."""
    released, attached = set(), []
    for obj in list(session.deleted) + list(session.dirty) + list(session.new):
        for field in (f for f in image_fields() if isinstance(obj, f.model)):
            new = None if obj in session.deleted else _new_value(obj, field)
            if new is ...:
                continue
            new_id = new.id if isinstance(new, Asset) else new
            old_id = None if obj in session.new else _stored_value(session, obj, field)
            if old_id is not None and old_id != new_id:
                released.add(old_id)
            if new is not None and new_id != old_id:
                attached.append(new)
    return released, attached


def _follow_image_fields(session, flush_context, instances):
    released, attached = _changes(session)
    attached_ids = {a.id if isinstance(a, Asset) else a for a in attached}
    for asset_id in released - attached_ids:
        asset = session.get(Asset, asset_id)
        if asset is not None:
            mark_released(session, asset)
    for item in attached:
        asset = item if isinstance(item, Asset) else session.get(Asset, item)
        if asset is not None:
            asset.orphaned_at = None
            session.info.get(RELEASED, set()).discard(asset.id)


def _committed(session):
    released = session.info.pop(RELEASED, None)
    if released:
        session.info.setdefault(TO_DESTROY, set()).update(released)


def _rolled_back(session, previous_transaction=None):
    session.info.pop(RELEASED, None)


LISTENERS = (
    ("before_flush", _follow_image_fields),
    ("after_commit", _committed),
    ("after_soft_rollback", _rolled_back),
)


def install():
    """Follow image fields in every session of ``db`` (once per process: every app shares the session)."""
    for name, listener in LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
