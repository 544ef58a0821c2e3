"""Creating, changing and deleting rows of declared resources: validate, change, audit, commit once.

Requests race: a row (or the parent a new row goes into) may be deleted by another request
between loading it and committing. Each such loss is a 404 saying so, never a crash, and
nothing of the losing change is stored (its audit entry included).
"""

from contextlib import contextmanager

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from ..exceptions import Conflict, NotFound, is_foreign_key_violation
from ..extensions import db
from ..services import audit
from ..uploads import service as uploads
from . import positions
from .fields import ImageField, InvalidForm, clean

CHANGED = "Someone changed this {} at the same moment. Nothing was saved; please reload and try again."
MISSING = "Something this {} refers to was deleted a moment ago. Nothing was saved; please reload and try again."


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


def _id(obj):
    """The row's id as the session knows it: no statement, even when the row is expired."""
    return inspect(obj).identity[0]


def gone(resource):
    """The 404 for a row another request deleted meanwhile."""
    return NotFound(f"The {resource.singular} no longer exists: someone deleted it a moment ago.")


def _exists(resource, record_id):
    """True when the row is still there (asked only after a write failed, so the common path pays nothing)."""
    return db.session.scalar(select(resource.pk).where(resource.pk == record_id)) is not None


def _commit(keep):
    """Commit, keeping the row ``keep`` loaded: the answer then shows it as this transaction stored it.

    With the default expiry, building the answer would reload the row: one more statement, and an
    ObjectDeletedError (a 500) when another request deleted it right after this commit. Every
    other object expires as usual (positions may have renumbered siblings behind the ORM's back).
    """
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
    if expiring:
        for other in list(session.identity_map.values()):
            if other is not keep:
                session.expire(other)


@contextmanager
def _saving(resource, row, needs=None):
    """Commit what changes inside; a concurrent deletion or image purge becomes an answer, not a crash.

    ``needs`` is (resource, id) of the row the change cannot do without: the row being changed,
    or the parent of a new one. When the write fails because that row is gone, it is a 404.
    ``row``, the row written, stays loaded after the commit.
    """
    try:
        yield
        _commit(row)
    except (StaleDataError, ObjectDeletedError) as error:
        # An UPDATE that matched no row, or a row that vanished while reloading it.
        db.session.rollback()
        _raise_if_gone(needs)
        if isinstance(error, ObjectDeletedError):
            raise
        # Attaching an image updates its asset row; a row the purge has deleted updates nothing.
        purged = {f.name: uploads.GONE for f in resource.fields if isinstance(f, ImageField)}
        if not purged:
            raise Conflict(CHANGED.format(resource.singular)) from None
        raise InvalidForm(purged) from None
    except IntegrityError as error:
        if not is_foreign_key_violation(error.orig):
            raise
        db.session.rollback()
        _raise_if_gone(needs)
        raise Conflict(MISSING.format(resource.singular)) from None


def _raise_if_gone(needs):
    if needs is not None and not _exists(*needs):
        raise gone(needs[0]) from None


def create(resource, data, actor, parent=None):
    """Store a new row from form ``data``: owned by ``actor``, or a child of ``parent`` (last, if ordered).

    A parent deleted meanwhile is a 404: the new row's foreign key refuses it (ordered rows first
    wait on the parent's lock, so such a delete and this insert run one after the other).
    """
    parent_id = None if parent is None else _id(parent)
    needs = None if parent is None else (resource.parent.resource, parent_id)
    values = clean(resource.fields, data, actor)
    obj = resource.model(**values)
    with _saving(resource, obj, needs):
        if parent is None:
            setattr(obj, resource.owner, actor.id)
        else:
            setattr(obj, resource.parent.fk, parent_id)
        if resource.positioned:
            positions.place_last(resource, obj, parent_id)
        db.session.add(obj)
        _audit(resource, "created", actor, obj)
    return obj


def update(resource, obj, data, actor, via="pages"):
    """Change ``obj`` to the submitted values; nothing changes when any value is invalid.

    ``via`` names, in the audit record, what the change came through (the pages, the API).
    A row deleted meanwhile is a 404, and the change is not audited.
    """
    with _saving(resource, obj, (resource, _id(obj))):
        values = clean(resource.fields, data, actor, obj)
        changes = _changes(resource, obj, values) if resource.audit else {}
        for name, value in values.items():
            setattr(obj, name, value)
        if changes:
            _audit(resource, "updated", actor, obj, {"changes": changes, "via": via})
    uploads.destroy_released()  # the files of images this change replaced or removed
    return obj


def delete(resource, obj, actor):
    """Delete ``obj`` (and, through the database, its children); ordered siblings close the gap.

    Of requests deleting the same row at once, one deletes and audits it; the others wait
    on the row's lock, then find it gone: a 404.
    """
    if resource.positioned:
        # The parent first, as position changes and the parent's own deletion take them: no deadlock.
        positions.lock_parent(resource, getattr(obj, resource.parent.fk))
    # Locked first: a concurrent deleter waits, then finds it gone (the ORM's DELETE of a missing
    # row is only a warning, and its audit entry would be committed).
    if not positions.lock_row(resource, _id(obj)):
        db.session.rollback()
        raise gone(resource)
    _audit(resource, "deleted", actor, obj, {"title": resource.describe(obj)})
    try:
        if resource.positioned:
            positions.remove(resource, obj)
        else:
            db.session.delete(obj)
        db.session.commit()  # expiring: positions.remove renumbered the siblings behind the ORM's back
    except StaleDataError:
        db.session.rollback()  # another request changed what this delete depends on (an image's asset)
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
