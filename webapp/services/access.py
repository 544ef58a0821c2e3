"""The access rules: asking for access, and every decision an administrator takes on people.

Every interface (the approval queue, the back office, the CLI) calls these functions, so
the rules live here once. Each function validates, changes rows, writes the audit entry,
commits once. E-mail goes into the outbox in the same transaction (sent after the commit).
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..exceptions import Conflict, Forbidden, InvalidInput
from ..extensions import db
from ..models import AccessRequest, AccountStatus, RequestStatus, Role, User, utcnow
from ..text import has_control_characters
from . import audit, notifications, site_settings

REASON_MIN = 10  # the default; administrators change it in the site settings
REASON_MAX = site_settings.REASON_MAX
NOTE_MAX = 1000


@dataclass(frozen=True)
class AccessPolicy:
    """Tunable parts of the rules: the site settings in force (``AccessPolicy.current()``)."""

    cooldown_days: int = 7
    reason_required: bool = True
    reason_min: int = REASON_MIN

    @classmethod
    def from_site(cls, site):
        return cls(
            cooldown_days=site.rejection_cooldown_days,
            reason_required=site.reason_required,
            reason_min=site.reason_min_length,
        )

    @classmethod
    def current(cls):
        """The rules as the site settings say for this request."""
        return cls.from_site(site_settings.current())


def _clean_text(text):
    """Form text as written, with browser line endings unified and the ends trimmed.

    Browsers send a textarea's line breaks as CRLF but count them as one character, so
    without this a reason that fits the form's limit could fail the server's. Other
    control characters are refused: PostgreSQL cannot store NUL in text.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if has_control_characters(text):
        raise InvalidInput("The text contains invisible control characters; please retype it.")
    return text


def validate_reason(reason, policy=AccessPolicy()):
    """The reason as it will be stored, or InvalidInput saying what is wrong."""
    reason = _clean_text(reason)
    if policy.reason_required and len(reason) < policy.reason_min:
        raise InvalidInput(f"Please tell us a little more: at least {policy.reason_min} characters.")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Please keep it to {REASON_MAX} characters at most (you wrote {len(reason)}).")
    return reason


def validate_note(note):
    """An optional decision note, trimmed, or InvalidInput when too long."""
    note = _clean_text(note)
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"The note is too long: at most {NOTE_MAX} characters.")
    return note or None


def latest_request(user):
    """The user's most recent access request, or None."""
    return db.session.scalar(
        select(AccessRequest).where(AccessRequest.user_id == user.id).order_by(AccessRequest.id.desc()).limit(1)
    )


def can_ask_again_at(user, policy):
    """When a rejected user may ask again (None when they may ask now or cannot ask at all)."""
    if user.status != AccountStatus.rejected:
        return None
    last = latest_request(user)
    decided_at = last.decided_at if last and last.decided_at else user.updated_at
    ready_at = decided_at + timedelta(days=policy.cooldown_days)
    return ready_at if ready_at > utcnow() else None


def request_access(user, reason, policy, mail):
    """Record ``user``'s request with their reason and tell the administrators."""
    if user.status == AccountStatus.approved:
        raise Conflict("Your account is already approved.")
    if user.status == AccountStatus.suspended:
        raise Forbidden("Your account is suspended; an administrator must reinstate it.")
    if user.status == AccountStatus.rejected:
        ready_at = can_ask_again_at(user, policy)
        if ready_at is not None:
            raise Conflict(f"You can ask again from {ready_at:%d %B %Y, %H:%M} UTC.")
    open_request = latest_request(user)
    if open_request is not None and open_request.status == RequestStatus.pending:
        raise Conflict("Your request is already waiting for an administrator.")
    reason = validate_reason(reason, policy)
    access_request = AccessRequest(user=user, reason=reason)
    user.status = AccountStatus.pending
    db.session.add(access_request)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The same form sent twice at once: the one-pending-request index kept the first.
        db.session.rollback()
        raise Conflict("Your request is already waiting for an administrator.") from error
    audit.record("access.requested", actor=user, target=access_request)
    notifications.request_received(access_request, mail)
    db.session.commit()
    return access_request


def approve(access_request, by, mail, note=None):
    """Approve a pending request: its author becomes an approved user."""
    return _decide(access_request, by, RequestStatus.approved, AccountStatus.approved, note, mail)


def reject(access_request, by, mail, note=None):
    """Reject a pending request, optionally saying why."""
    return _decide(access_request, by, RequestStatus.rejected, AccountStatus.rejected, note, mail)


def _decide(access_request, by, decision, account_status, note, mail):
    if by is None or not by.can_decide_access:
        raise Forbidden("Only administrators and approvers can decide on access requests.")
    note = validate_note(note)
    # The person's row is locked first: a status change made meanwhile (create-admin, a
    # suspension) commits before this decision reads the status, or waits for it.
    person = _lock_person(access_request.user_id)
    # A conditional UPDATE makes the decision atomic: when two administrators click at
    # once, the database lets exactly one of them change a pending row.
    decided = db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id == access_request.id, AccessRequest.status == RequestStatus.pending)
        .values(status=decision, decided_by_id=by.id, decided_at=utcnow(), decision_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        db.session.rollback()
        db.session.refresh(access_request)
        decider = access_request.decided_by
        by_whom = f"by {decider.display_name}" if decider else "automatically"
        raise Conflict(f"This request was already {access_request.status} {by_whom}.")
    if person.status != AccountStatus.pending:
        # A request left open by an older version: deciding it would set the account's
        # status unconditionally (reinstating a suspended person, demoting an administrator).
        db.session.rollback()
        raise Conflict(
            f"{person.email} is no longer waiting for a decision: the account is {person.status} now. Nothing was changed."
        )
    user = access_request.user
    user.status = account_status
    audit.record(
        f"access.{decision}",
        actor=by,
        target=access_request,
        details={"user": user.email, "note": note},
    )
    db.session.refresh(access_request)  # the decision the UPDATE above wrote, for the e-mail
    notifications.decision_made(access_request, mail)
    db.session.commit()
    return access_request


def decide_many(request_ids, by, decision, mail, note=None):
    """Apply one decision to several requests; returns (decided, [conflict messages])."""
    action = {"approve": approve, "reject": reject}[decision]
    decided, problems = [], []
    requests = db.session.scalars(
        select(AccessRequest).where(AccessRequest.id.in_(request_ids)).order_by(AccessRequest.id)
    ).all()
    for access_request in requests:
        try:
            decided.append(action(access_request, by, mail, note=note))
        except Conflict as conflict:
            problems.append(f"{access_request.user.email}: {conflict.message}")
    return decided, problems


def suspend(user, by, note=None):
    """Suspend an approved account; it loses access at its next request."""
    note = validate_note(note)
    _lock_accounts(user, by)
    _require_admin(by)
    if user.id == by.id:
        raise Conflict("You cannot suspend your own account.")
    if user.status != AccountStatus.approved:
        raise Conflict(f"Only approved accounts can be suspended; this one is {user.status}.")
    if user.role == Role.admin:
        _keep_another_admin(user)
    user.status = AccountStatus.suspended
    user.session_version += 1
    close_open_requests(user, "the account was suspended", by)
    audit.record("user.suspended", actor=by, target=user, details={"note": note})
    db.session.commit()
    return user


def set_role(user, role, by):
    """Give an approved account another role (user, approver, auditor, admin); applies at its next request.

    Nobody changes their own role, and the last administrator keeps theirs. Leaving the
    administrator role signs the person out everywhere, as revoking it always did.
    """
    role = Role(role)
    _lock_accounts(user, by)
    _require_admin(by)
    if user.id == by.id:
        raise Conflict("You cannot change your own role.")
    if user.status != AccountStatus.approved:
        raise Conflict(f"Only approved accounts can be given a role; this one is {user.status}.")
    if user.role == role:
        raise Conflict(f"{user.email} is already {_role_name(role)}.")
    before = user.role
    if before == Role.admin:
        _keep_another_admin(user)
        user.session_version += 1
    user.role = role
    audit.record("user.role_changed", actor=by, target=user, details={"from": str(before), "to": str(role)})
    db.session.commit()
    return user


def _role_name(role):
    return {Role.user: "a user", Role.admin: "an administrator", Role.approver: "an approver"}.get(role, "an auditor")


def reinstate(user, by):
    """Give a suspended account its access back."""
    _lock_accounts(user, by)
    _require_admin(by)
    if user.status != AccountStatus.suspended:
        raise Conflict(f"Only suspended accounts can be reinstated; this one is {user.status}.")
    user.status = AccountStatus.approved
    close_open_requests(user, "the account was reinstated", by)
    audit.record("user.reinstated", actor=by, target=user)
    db.session.commit()
    return user


def make_admin(user, by):
    """Give an approved user the administrator role."""
    _lock_accounts(user, by)
    _require_admin(by)
    if user.role == Role.admin:
        raise Conflict(f"{user.email} is already an administrator.")
    if user.status != AccountStatus.approved:
        raise Conflict(f"Only approved accounts can become administrators; this one is {user.status}.")
    before = user.role
    user.role = Role.admin
    audit.record("user.made_admin", actor=by, target=user, details={"from": str(before), "to": str(Role.admin)})
    db.session.commit()
    return user


def revoke_admin(user, by):
    """Take the administrator role away; the change applies at the user's next request."""
    _lock_accounts(user, by)
    _require_admin(by)
    if user.id == by.id:
        raise Conflict("You cannot remove your own administrator role.")
    if user.role != Role.admin:
        raise Conflict(f"{user.email} is not an administrator.")
    _keep_another_admin(user)
    user.role = Role.user
    user.session_version += 1
    audit.record("user.admin_revoked", actor=by, target=user, details={"from": str(Role.admin), "to": str(Role.user)})
    db.session.commit()
    return user


def close_open_requests(user, why, by=None):
    """Close ``user``'s undecided requests because their account's status was settled another way.

    Call it in the same transaction as the status change (the caller commits). The request
    is closed as approved when the account is now approved, else as rejected, with a note
    saying why, so the queue never offers a decision that no longer applies.
    """
    outcome = RequestStatus.approved if user.status == AccountStatus.approved else RequestStatus.rejected
    open_ids = db.session.scalars(
        select(AccessRequest.id).where(AccessRequest.user_id == user.id, AccessRequest.status == RequestStatus.pending)
    ).all()
    if not open_ids:
        return []
    db.session.execute(
        update(AccessRequest)
        .where(AccessRequest.id.in_(open_ids), AccessRequest.status == RequestStatus.pending)
        .values(
            status=outcome,
            decided_by_id=by.id if by is not None else None,
            decided_at=utcnow(),
            decision_note=f"Closed: {why}.",
        )
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        "access.closed",
        actor=by,
        target=user,
        details={"requests": open_ids, "outcome": str(outcome), "why": why},
    )
    return open_ids


def pending_count():
    """How many requests wait for a decision."""
    return db.session.scalar(
        select(func.count()).select_from(AccessRequest).where(AccessRequest.status == RequestStatus.pending)
    )


def _lock_person(user_id):
    """Lock and reload one account (PostgreSQL; SQLite serialises writers by itself)."""
    return db.session.execute(
        select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _require_admin(user):
    if user is None or not user.is_admin:
        raise Forbidden("Only administrators can decide on accounts.")


def _lock_accounts(*users):
    """Lock and reload ``users`` and every administrator, in id order, before a decision on people.

    On PostgreSQL two decisions on accounts then take turns, each seeing what the other
    committed (so two administrators demoting each other leave one administrator), and
    the fixed order rules out deadlocks. SQLite serialises writers by itself.
    """
    ids = [user.id for user in users if user is not None]
    db.session.scalars(
        select(User)
        .where(or_(User.id.in_(ids), and_(User.role == Role.admin, User.status == AccountStatus.approved)))
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def _keep_another_admin(user):
    """Refuse when ``user`` is the last approved administrator (call after _lock_accounts)."""
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.admin, User.status == AccountStatus.approved, User.id != user.id)
    )
    if not others:
        raise Conflict("This is the last administrator; make someone else an administrator first.")
