"""Turn a verified identity into an account: find, link or create it, and apply the operator's rules."""

import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import DomainError
from ..extensions import db
from ..models import AccountStatus, RequestStatus, Role, User, utcnow
from . import audit


@dataclass(frozen=True)
class Identity:
    """What the identity provider vouches for about the person signing in."""

    email: str
    sub: Optional[str] = None
    name: str = ""
    picture_url: Optional[str] = None


@dataclass(frozen=True)
class SignInPolicy:
    """The operator's rules for newcomers, from ``ADMIN_EMAILS`` and ``AUTO_APPROVE_DOMAINS``."""

    admin_emails: tuple = ()
    auto_approve_domains: tuple = ()

    @classmethod
    def from_config(cls, config):
        return cls(tuple(config["ADMIN_EMAILS"]), tuple(config["AUTO_APPROVE_DOMAINS"]))

    def is_admin_email(self, email):
        return email.lower() in self.admin_emails

    def is_auto_approved(self, email):
        return email.lower().rpartition("@")[2] in self.auto_approve_domains


# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email_address(text):
    """True when ``text`` looks like an e-mail address (the provider or a mail server has the last word)."""
    return len(text) <= 320 and _EMAIL.fullmatch(text) is not None


class SignInRefused(DomainError):
    """The identity is genuine, but it cannot be tied to an account safely."""

    status = 403


def sign_in(identity, policy):
    """Return the account for ``identity``, creating or linking it, and commit.

    Accounts are matched by the provider's subject first, so an e-mail change at Google
    follows the same account; an account an administrator created in advance is linked
    by e-mail at its first sign-in.
    """
    try:
        return _sign_in(identity, policy)
    except IntegrityError:
        # The same new person signed in twice at once (two tabs, a double click): the
        # other sign-in created the account first, so this one finds it.
        db.session.rollback()
        return _sign_in(identity, policy)


def _sign_in(identity, policy):
    email = identity.email.strip().lower()
    user = _find_by_sub(identity.sub) or _find_unlinked_by_email(email, identity.sub)
    if user is None:
        user = User(email=email, name=identity.name or "", status=AccountStatus.pending)
        db.session.add(user)
        db.session.flush()
        audit.record("user.created", target=user, details={"email": email, "via": "sign-in"})
    elif user.email != email:
        _change_email(user, email)
    if identity.sub and user.google_sub is None:
        user.google_sub = identity.sub
    if identity.name:
        user.name = identity.name
    user.picture_url = identity.picture_url or user.picture_url
    user.last_login_at = utcnow()
    _apply_policy(user, policy)
    db.session.commit()
    return user


def _find_by_sub(sub):
    if not sub:
        return None
    return db.session.scalar(select(User).where(User.google_sub == sub))


def _find_unlinked_by_email(email, sub):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and sub and user.google_sub not in (None, sub):
        # The address now belongs to a different Google account (e.g. a recycled mailbox).
        raise SignInRefused(
            "This e-mail address is linked to a different Google account. "
            "Ask an administrator to check your account."
        )
    return user


def _change_email(user, email):
    taken = db.session.scalar(select(User.id).where(User.email == email, User.id != user.id))
    if taken:
        raise SignInRefused(
            "Your Google account's new e-mail address is already used by another account. "
            "Ask an administrator to merge them."
        )
    audit.record("user.email_changed", target=user, details={"from": user.email, "to": email})
    user.email = email


def _apply_policy(user, policy):
    """Let the operator's lists decide for accounts nobody has decided on yet."""
    if user.status != AccountStatus.pending:
        return  # never undo an administrator's decision (rejection, suspension, demotion)
    if policy.is_admin_email(user.email):
        user.role = Role.admin
        _auto_approve(user, "ADMIN_EMAILS")
    elif policy.is_auto_approved(user.email):
        _auto_approve(user, "AUTO_APPROVE_DOMAINS")


def _auto_approve(user, rule):
    user.status = AccountStatus.approved
    for open_request in user.access_requests:
        if open_request.status == RequestStatus.pending:
            open_request.status = RequestStatus.approved
            open_request.decided_at = utcnow()
            open_request.decision_note = f"Approved automatically ({rule})."
    audit.record(
        "access.auto_approved",
        target=user,
        details={"rule": rule, "role": str(user.role), "automatic": True},
    )
