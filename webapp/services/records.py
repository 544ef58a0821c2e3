"""Creating, changing and deleting rows of declared resources: validate, change, audit, commit once."""

from ..extensions import db
from ..resources.fields import clean
from . import audit, positions


def _audit(resource, verb, actor, obj, details=None):
    if resource.audit:
        audit.record(f"{resource.model.__tablename__}.{verb}", actor=actor, target=obj, details=details)


def create(resource, data, actor, parent=None):
    """Store a new row from form ``data``: owned by ``actor``, or a child of ``parent`` (last, if ordered)."""
    values = clean(resource.fields, data)
    obj = resource.model(**values)
    if parent is None:
        setattr(obj, resource.owner, actor.id)
    else:
        setattr(obj, resource.parent.fk, parent.id)
    if resource.positioned:
        positions.place_last(resource, obj, parent.id)
    db.session.add(obj)
    _audit(resource, "created", actor, obj)
    db.session.commit()
    return obj


def update(resource, obj, data, actor):
    """Change ``obj`` to the submitted values; nothing changes when any value is invalid."""
    values = clean(resource.fields, data)
    changed = sorted(name for name, value in values.items() if getattr(obj, name) != value)
    for name, value in values.items():
        setattr(obj, name, value)
    if changed:
        _audit(resource, "updated", actor, obj, {"fields": changed})
    db.session.commit()
    return obj


def delete(resource, obj, actor):
    """Delete ``obj`` (and, through the database, its children); ordered siblings close the gap."""
    _audit(resource, "deleted", actor, obj, {"title": resource.describe(obj)})
    if resource.positioned:
        positions.remove(resource, obj)
    else:
        db.session.delete(obj)
    db.session.commit()


def move(resource, obj, direction, actor):
    """Move an ordered row one place ``up`` or ``down``; False when it is already at that end."""
    moved = positions.move(resource, obj, direction)
    db.session.commit()
    return moved


def reorder(resource, parent, ids, actor):
    """Order ``parent``'s rows as ``ids`` lists them; False when nothing moved."""
    moved = positions.reorder(resource, parent.id, ids)
    db.session.commit()
    return moved
