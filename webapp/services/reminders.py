"""Reminders: one digest e-mail to the deciders when access requests have waited too long.

``flask access remind`` calls ``remind`` from a scheduler. A request is named in a digest
when it has waited longer than the ``reminder_after_hours`` site setting, and then not again
until that long has passed since: running the command twice, or on two machines at once,
reminds nobody twice. The requests are claimed with one conditional UPDATE, so of two runs
at the same moment only one names each request; the digest goes into the outbox in the same
transaction as the claim, so a claim that rolls back sends nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import AccessRequest, OutboxMessage, RequestStatus, utcnow
from . import audit, notifications, site_settings

log = logging.getLogger(__name__)
REASON_PREVIEW = 200  # characters of each reason quoted in the digest
HOUR = timedelta(hours=1)


@dataclass
class ReminderReport:
    """What one run did: the requests it named and who was told (both empty when nothing was due)."""

    request_ids: list = field(default_factory=list)
    recipients: list = field(default_factory=list)
    waiting_without_deciders: int = 0
    message_id: int | None = None  # the digest's outbox row


def delivery_state(report):
    """Where the digest stands in the outbox now: sent, pending (to be retried) or failed."""
    message = db.session.get(OutboxMessage, report.message_id, populate_existing=True)
    return message.status


def due_filter(threshold):
    """Requests still undecided, older than ``threshold``, and not named in a digest since ``threshold``."""
    return (
        AccessRequest.status == RequestStatus.pending,
        AccessRequest.created_at <= threshold,
        or_(AccessRequest.reminded_at.is_(None), AccessRequest.reminded_at <= threshold),
    )


def remind(mailer, now=None):
    """Send the deciders one digest of the requests waiting too long; commit; a ReminderReport."""
    now = now or utcnow()
    period = timedelta(hours=site_settings.fresh().reminder_after_hours)
    threshold = now - period
    due = db.session.scalars(select(AccessRequest.id).where(*due_filter(threshold))).all()
    if not due:
        db.session.rollback()
        return ReminderReport()
    recipients = notifications.decider_addresses()
    if not recipients:
        # Nobody to tell: leave the requests unmarked, so the first run after someone can decide names them.
        db.session.rollback()
        log.warning("%d access request(s) wait and there is no administrator or approver to remind.", len(due))
        return ReminderReport(waiting_without_deciders=len(due))
    # Claim what is still due: a run that committed meanwhile has already named (and marked) its share.
    claimed = db.session.scalars(
        update(AccessRequest)
        .where(AccessRequest.id.in_(due), *due_filter(threshold))
        .values(reminded_at=now)
        .returning(AccessRequest.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        db.session.rollback()
        return ReminderReport()
    requests = db.session.scalars(
        select(AccessRequest).where(AccessRequest.id.in_(claimed)).order_by(AccessRequest.created_at, AccessRequest.id)
    ).all()
    message = _send_digest(requests, recipients, mailer, now)
    audit.record(
        "access.reminded",
        details={
            "requests": [r.id for r in requests],
            "recipients": len(recipients),
            "after_hours": int(period / HOUR),
        },
    )
    db.session.commit()
    return ReminderReport([r.id for r in requests], list(recipients), message_id=message.id)


def _waited(access_request, now):
    hours = int((now - access_request.created_at) / HOUR)
    return f"{hours // 24} days {hours % 24} h" if hours >= 48 else f"{hours} h"


def _send_digest(requests, recipients, mailer, now):
    """One message to every decider, listing each request oldest first."""
    count = len(requests)
    lines = []
    for access_request in requests:
        user = access_request.user
        reason = " ".join((access_request.reason or "").split())
        if len(reason) > REASON_PREVIEW:
            reason = reason[: REASON_PREVIEW - 1] + "…"
        lines.append(
            f"- {user.display_name} <{user.email}>, waiting {_waited(access_request, now)} "
            f"(since {access_request.created_at:%d %B %Y, %H:%M} UTC)" + (f":\n  {reason}" if reason else "")
        )
    noun = "request waits" if count == 1 else "requests wait"
    return mailer.send(
        recipients,
        f"{mailer.site_name}: {count} access {noun} for a decision",
        f"{count} access {noun} for a decision on {mailer.site_name}:\n\n"
        + "\n".join(lines)
        + f"\n\nApprove or reject them in the approval queue:\n{mailer.link('access.queue')}\n\n"
        "You get this reminder because you decide access requests. Each request is named again "
        "only if it is still waiting after the same time has passed.\n",
    )
