"""Creating, changing and deleting rows of declared resources: validate, change, audit, commit once."""

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..exceptions import Conflict
from ..extensions import db
from ..services import audit
from ..uploads import service as uploads
from . import positions
from .fields import ImageField, InvalidForm, clean


def _audit(resource, verb, actor, obj, details=None):
    if resource.audit:
        audit.record(f"{resource.model.__tablename__}.{verb}", actor=actor, target=obj, details=details)


def _changes(resource, obj, values):
    """{field: {"before": …, "after": …}} for the values that differ, as the API writes them (as the back office records)."""
    changes = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            form_field = resource.field(name)
            changes[name] = {"before": form_field.to_json(before), "after": form_field.to_json(value)}
    return changes


@contextmanager
def _saving(resource):
    """Commit what changes inside; an image purged between its upload and this save is a form message, not a crash."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        # Attaching an image updates its asset row; a row the purge has deleted updates nothing.
        db.session.rollback()
        gone = {f.name: uploads.GONE for f in resource.fields if isinstance(f, ImageField)}
        if not gone:
            raise
        raise InvalidForm(gone) from None


def create(resource, data, actor, parent=None):
    """Store a new row from form ``data``: owned by ``actor``, or a child of ``parent`` (last, if ordered)."""
    values = clean(resource.fields, data, actor)
    obj = resource.model(**values)
    if parent is None:
        setattr(obj, resource.owner, actor.id)
    else:
        setattr(obj, resource.parent.fk, parent.id)
    if resource.positioned:
        positions.place_last(resource, obj, parent.id)
    with _saving(resource):
        db.session.add(obj)
        _audit(resource, "created", actor, obj)
    return obj


def update(resource, obj, data, actor, via="pages"):
    """Change ``obj`` to the submitted values; nothing changes when any value is invalid.

    ``via`` names, in the audit record, what the change came through (the pages, the API).
    """
    values = clean(resource.fields, data, actor, obj)
    changes = _changes(resource, obj, values) if resource.audit else {}
    with _saving(resource):
        for name, value in values.items():
            setattr(obj, name, value)
        if changes:
            _audit(resource, "updated", actor, obj, {"changes": changes, "via": via})
    uploads.destroy_released()  # the files of images this change replaced or removed
    return obj


def delete(resource, obj, actor):
    """Delete ``obj`` (and, through the database, its children); ordered siblings close the gap."""
    _audit(resource, "deleted", actor, obj, {"title": resource.describe(obj)})
    try:
        if resource.positioned:
            positions.remove(resource, obj)
        else:
            db.session.delete(obj)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()  # another request deleted it first
        raise Conflict(positions.GONE) from None
    except IntegrityError:
        # A required relation elsewhere points at this row (ON DELETE RESTRICT): keep it.
        db.session.rollback()
        raise Conflict(f"“{resource.describe(obj)}” is still in use by other records; change those first.") from None
    uploads.destroy_released()  # the files of the images it had


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
