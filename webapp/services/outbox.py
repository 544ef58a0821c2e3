"""The e-mail outbox: enqueue in the caller's transaction, then claim, send and mark each message once.

A message is written by ``enqueue`` in the same transaction as the change it reports, so it
exists exactly when the change does. Delivery claims one row at a time with a conditional
UPDATE (one claimer wins on SQLite and PostgreSQL alike), sends it with its fixed Message-ID
outside any transaction, then marks it sent; a failure schedules the next attempt with
exponential back-off. A claim is a lease: if the process dies mid-delivery, the row is due
again when the lease ends. See docs/operations.md for the one window no SMTP client can close.
"""

import logging
import os
import smtplib
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)
PENDING = "outbox_pending"  # session.info: what this transaction enqueued, read after its commit


@dataclass(frozen=True)
class OutboxPolicy:
    """How delivery retries: lease length, back-off and when to give up, from the app config."""

    lease_seconds: int = 120
    retry_base_seconds: int = 30
    retry_max_seconds: int = 3600
    max_attempts: int = 8

    @classmethod
    def from_config(cls, config):
        return cls(
            lease_seconds=config["OUTBOX_LEASE_SECONDS"],
            retry_base_seconds=config["OUTBOX_RETRY_BASE_SECONDS"],
            retry_max_seconds=config["OUTBOX_RETRY_MAX_SECONDS"],
            max_attempts=config["OUTBOX_MAX_ATTEMPTS"],
        )

    def backoff(self, attempts):
        """How long to wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.retry_base_seconds * 2 ** max(attempts - 1, 0), self.retry_max_seconds))


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list = field(default_factory=list)
    retrying: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def new_message_id():
    """A Message-ID that names this row for good: retries of the row send the same one."""
    return f"<{uuid.uuid4().hex}@hyperdesk>"


def enqueue(to, subject, body, session=None, sender_name=None):
    """Add a message for the addresses in ``to`` to the caller's transaction; None when there is nobody to tell.

    ``sender_name`` replaces MAIL_SENDER's display name in the From line (the site's name).
    """
    session = session or db.session
    recipients = sorted({address for address in to if address})
    if not recipients:
        return None
    message = OutboxMessage(
        message_id=new_message_id(),
        recipients=recipients,
        subject=" ".join(subject.split())[:1000],  # user text in a subject must not break the header
        body=body,
        sender_name=" ".join(sender_name.split())[:200] if sender_name else None,
    )
    session.add(message)
    session.info.setdefault(PENDING, []).append((recipients, message.subject, body))
    return message


def due_ids(session, limit=50, now=None):
    """Ids of pending messages whose next attempt is due and that nobody holds, oldest first."""
    now = now or utcnow()
    return session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()


def claim(session, message_id, owner, policy):
    """Hold message ``message_id`` for ``owner`` for one lease; the loaded row, or None when another holds it."""
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(
            claimed_until=now + timedelta(seconds=policy.lease_seconds),
            claimed_by=owner,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if claimed != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def mark_sent(session, message, owner):
    """Record that the mail server accepted ``message`` (only while ``owner`` still holds it)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == owner)
        .values(status=OutboxStatus.sent, sent_at=utcnow(), claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def mark_failed(session, message, owner, error, policy, permanent=False):
    """Record a failed attempt: due again after the back-off, or given up on."""
    give_up = permanent or message.attempts >= policy.max_attempts
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == owner)
        .values(
            status=OutboxStatus.failed if give_up else OutboxStatus.pending,
            next_attempt_at=utcnow() + policy.backoff(message.attempts),
            claimed_until=None,
            last_error=f"{error.__class__.__name__}: {error}"[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return give_up


def is_permanent(error):
    """True when the mail server refused the message for good (a 5xx answer), so retrying cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def claim_owner():
    """A name for one claim: the host and process, and a random part so two claims never share it."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_one(session, message_id, transmit, policy, keep_trying=lambda: True):
    """Claim, send and mark one message; 'sent', 'retrying', 'failed' or None when another process holds it."""
    owner = claim_owner()
    message = claim(session, message_id, owner, policy)
    if message is None:
        return None
    try:
        transmit(message)
    except (OSError, smtplib.SMTPException) as error:
        failed = mark_failed(session, message, owner, error, policy, permanent=is_permanent(error))
        level = logging.ERROR if failed else logging.WARNING
        log.log(
            level,
            "E-mail %s to %s failed (%s: %s); %s.",
            message.id,
            ", ".join(message.recipients),
            error.__class__.__name__,
            error,
            "given up, see `flask outbox list`" if failed else f"attempt {message.attempts}, will retry",
            extra={"event": "outbox.failed" if failed else "outbox.retry", "outbox_id": message.id},
        )
        return "failed" if failed else "retrying"
    _mark_sent_persistently(session, message, owner, policy, keep_trying)
    log.info(
        "E-mail %s sent to %s: %s",
        message.id,
        ", ".join(message.recipients),
        message.subject,
        extra={"event": "outbox.sent", "outbox_id": message.id},
    )
    return "sent"


def _mark_sent_persistently(session, message, owner, policy, keep_trying):
    """Mark a sent message, retrying through a database hiccup while the lease lasts (else it would be sent again)."""
    give_up_at = time.monotonic() + policy.lease_seconds / 2
    while True:
        try:
            mark_sent(session, message, owner)
            return
        except SQLAlchemyError:
            session.rollback()
            if time.monotonic() > give_up_at or not keep_trying():
                log.error("E-mail %s was sent but could not be marked; it may be sent again.", message.id)
                return
            time.sleep(1)


def deliver_due(session, transmit, policy, limit=50, keep_trying=lambda: True):
    """Deliver every message due now (up to ``limit`` per round) until none is left; a DeliveryReport."""
    report = DeliveryReport()
    while keep_trying():
        ids = due_ids(session, limit)
        session.commit()
        if not ids:
            break
        for message_id in ids:
            if not keep_trying():
                break
            outcome = deliver_one(session, message_id, transmit, policy, keep_trying)
            if outcome is not None:
                getattr(report, outcome).append(message_id)
    return report


def undelivered(session=None, limit=100):
    """Messages not sent yet (pending or failed), oldest first."""
    session = session or db.session
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.sent)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    ).all()


def retry(ids=None, session=None):
    """Make failed messages (all, or those in ``ids``) due again now; returns how many."""
    session = session or db.session
    condition = OutboxMessage.status == OutboxStatus.failed
    if ids:
        condition = and_(OutboxMessage.status != OutboxStatus.sent, OutboxMessage.id.in_(ids))
    count = session.execute(
        update(OutboxMessage)
        .where(condition)
        .values(status=OutboxStatus.pending, next_attempt_at=utcnow(), claimed_until=None, attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return count


def purge(older_than, include_failed=False, session=None):
    """Delete sent messages (and failed ones, if asked) older than ``older_than``; returns how many."""
    session = session or db.session
    statuses = [OutboxStatus.sent] + ([OutboxStatus.failed] if include_failed else [])
    count = session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status.in_(statuses), OutboxMessage.created_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return count


def backlog(session=None):
    """(messages not yet sent, creation time of the oldest of them or None)."""
    session = session or db.session
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status != OutboxStatus.sent)
    ).one()
    return count, oldest
