"""Field-level history for the back office: every row it creates, edits or deletes gets an audit entry.

The entries are written by session events while a back-office change is being saved, so they
travel in the same transaction as the change: a failed commit leaves neither.
"""

import json
import re
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import event, inspect

from ..extensions import db
from ..models import AuditEvent

ACTOR = "hyperdesk.audit_actor"
PENDING = "hyperdesk.audit_pending"
# Maintained by the database or the ORM, not by the person editing.
SKIPPED_ON_UPDATE = {"updated_at"}


@contextmanager
def recording_changes(actor):
    """Record every change flushed inside this block as done by ``actor``."""
    session = db.session()
    session.info[ACTOR] = (actor.id, actor.email)
    try:
        yield
    finally:
        session.info.pop(ACTOR, None)
        session.info.pop(PENDING, None)


def install():
    """Listen to the app's sessions (once per process: the session factory is shared)."""
    if not event.contains(db.session, "after_flush", _collect):
        event.listen(db.session, "after_flush", _collect)
        event.listen(db.session, "after_flush_postexec", _write)


def _collect(session, flush_context):
    """Note what this flush changed while the before-values are still known."""
    if ACTOR not in session.info:
        return
    pending = session.info.setdefault(PENDING, [])
    for obj in session.new:
        if _audited(obj):
            pending.append(
                (
                    "created",
                    obj,
                    {key: _change(None, value) for key, value in _columns(obj).items() if value is not None},
                )
            )
    for obj in session.dirty:
        if _audited(obj):
            changes = _updates(obj)
            if changes:
                pending.append(("updated", obj, changes))
    for obj in session.deleted:
        if _audited(obj):
            pending.append(
                (
                    "deleted",
                    obj,
                    {key: _change(value, None) for key, value in _columns(obj).items() if value is not None},
                )
            )


def _write(session, flush_context):
    """Add the entries; the commit in progress flushes them with the change."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    actor_id, actor_email = session.info[ACTOR]
    ip = request.remote_addr if has_request_context() else None
    for verb, obj, changes in pending:
        session.add(
            AuditEvent(
                action=f"{_snake(type(obj).__name__)}.{verb}",
                actor_id=actor_id,
                actor_email=actor_email,
                target_type=type(obj).__tablename__,
                target_id=str(inspect(obj).identity[0]) if inspect(obj).identity else None,
                details={"changes": changes, "via": "back office"},
                ip=ip,
            )
        )


def _audited(obj):
    return not isinstance(obj, AuditEvent) and hasattr(type(obj), "__tablename__")


def _columns(obj):
    """The column values the object holds, read without touching the database."""
    state = inspect(obj)
    return {attr.key: _jsonable(state.dict[attr.key]) for attr in state.mapper.column_attrs if attr.key in state.dict}


def _updates(obj):
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_ON_UPDATE:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _jsonable(before) != _jsonable(after):
                changes[attr.key] = _change(_jsonable(before), _jsonable(after))
    return changes


def _change(before, after):
    return {"before": _jsonable(before), "after": _jsonable(after)}


def _jsonable(value):
    """``value`` as JSON can store it: enums by value, times in ISO 8601, the rest as text."""
    return json.loads(json.dumps(value, default=_encode))


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
