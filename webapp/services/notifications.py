"""The e-mails the access flow sends: to administrators on a new request, to the person on a decision."""

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import AccountStatus, RequestStatus, Role, User

log = logging.getLogger(__name__)


def admin_addresses():
    """Every approved administrator's e-mail address."""
    return db.session.scalars(
        select(User.email).where(User.role == Role.admin, User.status == AccountStatus.approved)
    ).all()


def request_received(access_request, mailer):
    """Tell the administrators that someone is waiting for a decision."""
    user = access_request.user
    admins = admin_addresses()
    if not admins:
        log.warning("No administrator to tell about %s's access request; set ADMIN_EMAILS.", user.email)
        return
    mailer.send(
        admins,
        f"Access request from {user.email}",
        f"{user.display_name} <{user.email}> asks for access to Hyperdesk:\n\n"
        f"{access_request.reason}\n\n"
        f"Approve or reject it in the approval queue:\n{mailer.link('access.queue')}\n",
    )


def decision_made(access_request, mailer):
    """Tell the person what was decided on their request, with the administrator's note."""
    user = access_request.user
    note = access_request.decision_note
    note = f"\nA note from the administrator:\n\n{note}\n" if note else ""
    if access_request.status == RequestStatus.approved:
        subject = "Your Hyperdesk access was approved"
        body = (
            f"Hello {user.display_name},\n\nyour request for access to Hyperdesk was approved. "
            f"Sign in and start working:\n{mailer.link('main.home')}\n{note}"
        )
    else:
        subject = "Your Hyperdesk access request was not approved"
        body = (
            f"Hello {user.display_name},\n\nyour request for access to Hyperdesk was not approved.\n{note}\n"
            f"Your status page says when you may ask again:\n{mailer.link('access.status')}\n"
        )
    mailer.send([user.email], subject, body)
