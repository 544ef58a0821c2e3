"""Write entries to the audit log inside the caller's transaction."""

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEvent


def record(action, actor=None, target=None, details=None):
    """Add an audit entry for ``action`` by ``actor`` (None: the system) on ``target``.

    The caller commits, so the entry lands with the change it describes or not at all.
    """
    if target is not None and target.id is None:
        db.session.flush()  # a new target needs its id before it can be named
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        details=details or {},
        # The client address is request metadata, not an input to any rule, so it is read
        # here rather than threaded through every service signature.
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
