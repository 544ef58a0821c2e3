"""The per-process delivery thread: wakes on a commit that wrote mail, else every few seconds for retries."""

import contextlib
import logging
import threading

from flask import current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..database import round_trip_limit
from ..extensions import db
from ..metrics import record_delivery
from ..services import mail, outbox

log = logging.getLogger(__name__)


def deliver_now(app, keep_trying=lambda: True, limit=50):
    """Deliver what is due, in this thread, on a session of its own; a DeliveryReport, or None without a server."""
    settings = mail.MailSettings.from_config(app.config)
    if not settings.server:
        return None
    policy = outbox.OutboxPolicy.from_config(app.config)
    # Inside the committing request, keep its app context (and so its request id in the log lines).
    in_app = has_app_context() and current_app._get_current_object() is app
    # A frozen database must not hold the thread (and a worker's shutdown) for ever.
    deadlines = round_trip_limit(app.config["DB_QUERY_TIMEOUT"] or None, connect=app.config["DB_CONNECT_TIMEOUT"])
    with contextlib.nullcontext() if in_app else app.app_context(), deadlines, Session(db.engine) as session:
        report = outbox.deliver_due(
            session, lambda message: mail.transmit(settings, message), policy, limit, keep_trying
        )
    for outcome in ("sent", "retrying", "failed"):
        for _ in getattr(report, outcome):
            record_delivery(outcome)
    return report


class Delivery:
    """Delivers one app's outbox from a background thread of this process."""

    def __init__(self, app):
        self.app = app
        self.poll_seconds = app.config["OUTBOX_POLL_SECONDS"]
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    def committed(self, messages):
        """A commit stored ``messages`` [(recipients, subject, body)]: send them now or soon."""
        settings = mail.MailSettings.from_config(self.app.config)
        if not settings.server:
            for recipients, subject, body in messages:
                mail.log_unsent(recipients, subject, body)
        elif settings.send_async:
            self.start()
            self._wake.set()
        else:
            self._deliver_quietly()

    def wake(self):
        """Look for due mail now (after ``flask outbox retry`` or "Send again" in the back office)."""
        if mail.MailSettings.from_config(self.app.config).send_async:
            self.start()
            self._wake.set()
        else:
            self._deliver_quietly()

    def start(self):
        """Start the thread once per process (again after a fork, where threads do not survive)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
            self._thread.start()

    def stop(self, timeout=None):
        """Finish the message in hand (at most one SMTP exchange), then end the thread."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def _keep_trying(self):
        return not self._stopping.is_set()

    def _run(self):
        while not self._stopping.is_set():
            self._wake.clear()
            self._deliver_quietly()
            self._wake.wait(self.poll_seconds)

    def _deliver_quietly(self):
        """One delivery round; a database that is down is logged and tried again at the next round."""
        try:
            deliver_now(self.app, self._keep_trying)
        except SQLAlchemyError as error:
            log.warning("Outbox delivery paused: the database is not answering (%s).", error.__class__.__name__)
