"""Invitations: administrators invite addresses or make links; an invited person is approved with the role, in every mode.

An e-mail invitation names one address: signing in with Google as that (verified) address
uses it. A link carries a secret token (only its SHA-256 is stored, so it is shown once) and
may be used a set number of times. Both expire, both can be revoked, and every step is
audited. Using an invitation is a conditional UPDATE, so the last use of a link goes to
exactly one person however many sign in at once. The invitation e-mail is written to the
outbox in the same transaction as the invitation.
"""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update

from ..exceptions import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..models import AccountStatus, Invitation, InvitationKind, Role, User, utcnow
from ..text import has_control_characters
from . import audit
from .addresses import is_email_address

DEFAULT_DAYS = 14
MAX_DAYS = 90
MAX_USES = 1000
MAX_ADDRESSES = 100
ROLES = {
    Role.user: "User",
    Role.approver: "Approver (decides access requests)",
    Role.auditor: "Auditor (reads the back office)",
    Role.admin: "Administrator",
}
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _require_admin(user):
    if user is None or not user.is_admin:
        raise Forbidden("Only administrators can invite people.")


def parse_role(value):
    """The role named by ``value``, or InvalidInput."""
    if value not in {str(role) for role in ROLES}:
        raise InvalidInput("Please correct the form.", {"role": "Choose user, approver, auditor or administrator."})
    return Role(value)


def parse_number(value, name, low, high, default):
    """A whole number from a form (``default`` when empty), or InvalidInput naming the field."""
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    number = int(text) if text.isascii() and text.isdecimal() and len(text) < 7 else None
    if number is None or not low <= number <= high:
        raise InvalidInput("Please correct the form.", {name: f"Enter a whole number from {low} to {high}."})
    return number


def parse_addresses(text):
    """Every address in ``text`` (commas, semicolons, spaces or lines), lower-cased and once; InvalidInput naming bad ones."""
    text = text or ""
    if has_control_characters(text):
        raise InvalidInput("Please correct the form.", {"addresses": "Remove the invisible control characters."})
    addresses, bad = [], []
    for item in re.split(r"[\s,;]+", text):
        item = item.strip().strip("<>").lower()
        if not item:
            continue
        if not is_email_address(item):
            bad.append(item[:80])
        elif item not in addresses:
            addresses.append(item)
    if bad:
        raise InvalidInput("Please correct the form.", {"addresses": f"Not e-mail addresses: {', '.join(bad[:5])}."})
    if not addresses:
        raise InvalidInput("Please correct the form.", {"addresses": "Enter at least one e-mail address."})
    if len(addresses) > MAX_ADDRESSES:
        raise InvalidInput("Please correct the form.", {"addresses": f"At most {MAX_ADDRESSES} addresses at once."})
    return addresses


def invite(addresses, role, days, by, mailer):
    """Invite each address with ``role`` for ``days``; returns (invitations, [messages about skipped addresses]).

    An address whose account is already decided (approved, rejected, suspended) is skipped
    with a message; a live invitation for the same address is replaced. One commit.
    """
    _require_admin(by)
    expires_at = utcnow() + timedelta(days=days)
    known = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(addresses)))}
    created, skipped = [], []
    for address in addresses:
        user = known.get(address)
        if user is not None and user.status != AccountStatus.pending:
            skipped.append(f"{address} already has an account ({user.status}); change it on the Users page.")
            continue
        _replace_live_invitations(address, by)
        invitation = Invitation(
            kind=InvitationKind.email, email=address, role=role, max_uses=1, expires_at=expires_at, created_by_id=by.id
        )
        db.session.add(invitation)
        audit.record(
            "invitation.sent",
            actor=by,
            target=invitation,
            details={"email": address, "role": str(role), "expires_at": expires_at.isoformat()},
        )
        _send(invitation, mailer)
        created.append(invitation)
    db.session.commit()
    return created, skipped


def _replace_live_invitations(address, by):
    now = utcnow()
    live = db.session.scalars(
        select(Invitation).where(
            Invitation.email == address,
            Invitation.revoked_at.is_(None),
            Invitation.use_count < Invitation.max_uses,
            Invitation.expires_at > now,
        )
    ).all()
    for old in live:
        old.revoked_at, old.revoked_by_id = now, by.id
        audit.record("invitation.replaced", actor=by, target=old, details={"email": address})


def _send(invitation, mailer):
    site = mailer.site_name
    role = ROLES[invitation.role].partition(" (")[0].lower()
    mailer.send(
        [invitation.email],
        f"You are invited to {site}",
        f"Hello,\n\nyou are invited to {site} as {'an' if role[0] in 'aeiou' else 'a'} {role}.\n\n"
        f"Sign in with the Google account of this address ({invitation.email}) to accept; "
        f"no access request is needed:\n{mailer.link('auth.login')}\n\n"
        f"The invitation expires on {invitation.expires_at:%d %B %Y at %H:%M} UTC.\n",
    )


def create_link(role, days, max_uses, by):
    """A new invitation link; returns (invitation, token). The token is shown once: only its hash is kept."""
    _require_admin(by)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        kind=InvitationKind.link,
        token_hash=hash_token(token),
        token_hint=token[:6],
        role=role,
        max_uses=max_uses,
        expires_at=utcnow() + timedelta(days=days),
        created_by_id=by.id,
    )
    db.session.add(invitation)
    audit.record(
        "invitation.link_created",
        actor=by,
        target=invitation,
        details={"role": str(role), "max_uses": max_uses, "expires_at": invitation.expires_at.isoformat()},
    )
    db.session.commit()
    return invitation, token


def revoke(invitation, by):
    """Revoke an invitation that can still be used; audited."""
    _require_admin(by)
    revoked = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if revoked != 1:
        db.session.rollback()
        raise Conflict("This invitation was already revoked.")
    audit.record("invitation.revoked", actor=by, target=invitation, details={"email": invitation.email})
    db.session.commit()
    db.session.refresh(invitation)
    return invitation


def find_link(token):
    """The link invitation for ``token`` in any state, or NotFound (a malformed token is simply not found)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise NotFound("This invitation link does not exist. Check that it was copied whole.")
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise NotFound("This invitation link does not exist. Check that it was copied whole.")
    return invitation


def unusable_reason(invitation):
    """Why ``invitation`` cannot be used now, or None when it can."""
    state = invitation.state()
    return {
        "revoked": "This invitation was withdrawn by an administrator.",
        "used": "This invitation has been used already.",
        "expired": f"This invitation expired on {invitation.expires_at:%d %B %Y at %H:%M} UTC.",
    }.get(str(state))


def usable_for(email, link_token=None):
    """The invitations a sign-in as ``email`` (a verified address) may use: the address's own first, then the link's."""
    now = utcnow()
    conditions = [Invitation.email == email]
    if link_token and TOKEN_PATTERN.fullmatch(link_token):
        conditions.append(Invitation.token_hash == hash_token(link_token))
    return db.session.scalars(
        select(Invitation)
        .where(
            or_(*conditions),
            Invitation.revoked_at.is_(None),
            Invitation.use_count < Invitation.max_uses,
            Invitation.expires_at > now,
        )
        .order_by(Invitation.kind, Invitation.id)  # "email" sorts before "link"
    ).all()


def claim(invitation):
    """Take one use of ``invitation`` if it still has one; True when this caller got it (the caller commits)."""
    now = utcnow()
    return (
        db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.revoked_at.is_(None),
                Invitation.use_count < Invitation.max_uses,
                Invitation.expires_at > now,
            )
            .values(use_count=Invitation.use_count + 1, last_used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def record_use(invitation, user):
    """Name the account that used ``invitation`` and audit it (after a successful claim)."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(last_used_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "invitation.used",
        actor=user,
        target=invitation,
        details={"email": user.email, "role": str(invitation.role), "kind": str(invitation.kind)},
    )
