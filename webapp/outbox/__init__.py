"""Delivering the outbox: after each commit that wrote mail, and from a per-worker thread that retries.

``init_app`` hooks the session's commit: a commit that enqueued mail wakes this process's
delivery thread (or, with ``MAIL_ASYNC=0``, delivers at once in the committing thread).
gunicorn starts the thread in every worker (``post_fork``) and stops it cleanly on exit
(``worker_exit``), so mail also goes out when the process that wrote it died first.
"""

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from ..services import outbox
from .delivery import Delivery, deliver_now

__all__ = ["init_app", "deliver_now", "start_delivery", "stop_delivery"]
_listening = False


def init_app(app):
    """Give ``app`` its delivery worker and listen for commits that wrote mail."""
    global _listening
    app.extensions["outbox"] = Delivery(app)
    if not _listening:
        event.listen(FlaskSession, "after_commit", _after_commit)
        event.listen(FlaskSession, "after_rollback", _after_rollback)
        _listening = True


def _after_rollback(session):
    session.info.pop(outbox.PENDING, None)


def _after_commit(session):
    """Mail was committed: hand it to delivery without holding up the committing request."""
    messages = session.info.pop(outbox.PENDING, None)
    if messages and has_app_context() and "outbox" in current_app.extensions:
        current_app.extensions["outbox"].committed(messages)


def start_delivery(app):
    """Start this process's delivery thread (gunicorn calls it in each worker)."""
    app.extensions["outbox"].start()


def stop_delivery(app, timeout=None):
    """Let the delivery thread finish the message in hand, then stop it."""
    app.extensions["outbox"].stop(timeout)
