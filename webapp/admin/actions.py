"""Run one access service over the rows an administrator selected, and report each outcome as a message."""

from flask import flash
from flask_login import current_user
from sqlalchemy import select

from ..exceptions import DomainError
from ..extensions import db
from ..ids import parse_ids
from ..models import User


def selected(model, ids):
    """The rows of ``model`` whose ids were ticked, in id order (unknown ids are ignored)."""
    keys = parse_ids(str(value) for value in ids)
    return db.session.scalars(select(model).where(model.id.in_(keys)).order_by(model.id)).all()


def apply_to_users(ids, service, done_message):
    """Call ``service(user, by=<the administrator>)`` for each selected user; refusals become error messages.

    Each call commits on its own, so one refusal does not undo the others.
    """
    done, refused = [], []
    for user in selected(User, ids):
        email = user.email
        try:
            service(user, by=current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            refused.append(f"{email}: {error.message}")
        else:
            done.append(email)
    report(done, refused, done_message)


def report(done, refused, done_message):
    """Flash what happened: one success line, one line per refusal."""
    if done:
        flash(f"{done_message}: {', '.join(done)}.", "success")
    for message in refused:
        flash(message, "error")
    if not done and not refused:
        flash("Nothing was selected.", "error")
