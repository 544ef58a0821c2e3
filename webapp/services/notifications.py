"""The e-mails the access flow sends: to administrators on a new request, to the person on a decision."""

from flask import url_for
from sqlalchemy import select

from ..extensions import db
from ..models import AccountStatus, RequestStatus, Role, User


def admin_addresses():
    """Every approved administrator's e-mail address."""
    return db.session.scalars(
        select(User.email).where(User.role == Role.admin, User.status == AccountStatus.approved)
    ).all()


def request_received(access_request, mailer):
    """Tell the administrators that someone is waiting for a decision."""
    user = access_request.user
    mailer.send(
        admin_addresses(),
        f"Access request from {user.email}",
        f"{user.display_name} <{user.email}> asks for access to Hyperdesk:\n\n"
        f"{access_request.reason}\n\n"
        f"Decide in the approval queue: {mailer.link(url_for('access.queue'))}\n",
    )


def decision_made(access_request, mailer):
    """Tell the person what was decided on their request."""
    user = access_request.user
    note = f"\nNote from the administrator:\n{access_request.decision_note}\n" if access_request.decision_note else ""
    if access_request.status == RequestStatus.approved:
        subject = "Your Hyperdesk access was approved"
        body = f"Welcome, {user.display_name}. You can now sign in and start working:\n{mailer.link(url_for('main.home'))}\n{note}"
    else:
        subject = "Your Hyperdesk access request was not approved"
        body = f"Hello {user.display_name},\n\nyour request for access was not approved.\n{note}"
    mailer.send([user.email], subject, body)
