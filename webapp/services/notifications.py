"""The e-mails the access flow sends: to administrators on a new request, to the person on a decision.

Each goes into the outbox in the caller's transaction: call these before the service commits.
"""

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import AccountStatus, RequestStatus, Role, User

log = logging.getLogger(__name__)


def decider_addresses():
    """Every approved administrator's and approver's e-mail address: whoever decides access requests."""
    return db.session.scalars(
        select(User.email)
        .where(User.role.in_((Role.admin, Role.approver)), User.status == AccountStatus.approved)
        .order_by(User.email)
    ).all()


def request_received(access_request, mailer):
    """Tell the administrators and approvers that someone is waiting for a decision."""
    user = access_request.user
    admins = decider_addresses()
    if not admins:
        log.warning("No administrator to tell about %s's access request; set ADMIN_EMAILS.", user.email)
        return
    mailer.send(
        admins,
        f"{mailer.site_name}: access request from {user.email}",
        f"{user.display_name} <{user.email}> asks for access to {mailer.site_name}:\n\n"
        f"{access_request.reason}\n\n"
        f"Approve or reject it in the approval queue:\n{mailer.link('access.queue')}\n",
    )


def decision_made(access_request, mailer):
    """Tell the person what was decided on their request, with the administrator's note."""
    user = access_request.user
    note = access_request.decision_note
    note = f"\nA note from the administrator:\n\n{note}\n" if note else ""
    if access_request.status == RequestStatus.approved:
        subject = f"Your {mailer.site_name} access was approved"
        body = (
            f"Hello {user.display_name},\n\nyour request for access to {mailer.site_name} was approved. "
            f"Sign in and start working:\n{mailer.link('main.home')}\n{note}"
        )
    else:
        subject = f"Your {mailer.site_name} access request was not approved"
        body = (
            f"Hello {user.display_name},\n\nyour request for access to {mailer.site_name} was not approved.\n{note}\n"
            f"Your status page says when you may ask again:\n{mailer.link('access.status')}\n"
        )
    mailer.send([user.email], subject, body)
