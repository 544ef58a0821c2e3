"""Turn a verified identity into an account: find, link or create it, and apply the operator's rules."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..exceptions import Conflict, DomainError
from ..extensions import db
from ..models import AccountStatus, RequestStatus, Role, User, utcnow
from . import audit, invitations, site_settings
from .addresses import is_email_address

__all__ = ["Identity", "RegistrationClosed", "SignInPolicy", "SignInRefused", "is_email_address", "sign_in"]


@dataclass(frozen=True)
class Identity:
    """What the identity provider vouches for about the person signing in."""

    email: str
    sub: str | None = None
    name: str = ""
    picture_url: str | None = None
    # The ID token's ``hd`` claim: the Google Workspace domain Google is authoritative for, if any.
    hosted_domain: str | None = None

    @property
    def domain_vouched_for(self):
        """True when the provider vouches for the address's domain as well as for the address."""
        return domain_vouched_for(self.email, self.hosted_domain)


# Google issues these addresses itself, so a verified one is Google's to vouch for without ``hd``.
GOOGLE_OWN_DOMAINS = frozenset({"gmail.com"})


def email_domain(email):
    """The part of ``email`` after its last ``@``, lower case."""
    return email.strip().lower().rpartition("@")[2]


def domain_vouched_for(email, hosted_domain):
    """True when Google vouches that ``email``'s domain, not only the mailbox, belongs to the account.

    Anyone can register a personal Google account with a company address, and Google marks it
    ``email_verified`` once a link sent there is clicked (someone who has left keeps such an
    account). Only the ID token's ``hd`` claim says the domain's Google Workspace owns the
    account. Rules that trust a domain (auto-approval, administrators by address, linking a
    pre-created account) ask this function.
    """
    domain = email_domain(email) if "@" in email else ""
    if not domain:
        return False
    return domain in GOOGLE_OWN_DOMAINS or (hosted_domain or "").strip().lower() == domain


@dataclass(frozen=True)
class SignInPolicy:
    """The rules for newcomers: the operator's ``ADMIN_EMAILS``, and the site settings in force."""

    admin_emails: tuple = ()
    auto_approve_domains: tuple = ()
    registration_mode: str = site_settings.APPROVAL

    @classmethod
    def from_config(cls, config):
        """The policy for this request: ``ADMIN_EMAILS`` from the config, the rest from the site settings."""
        site = site_settings.current()
        return cls(tuple(config["ADMIN_EMAILS"]), tuple(site.auto_approve_domains), site.registration_mode)

    def is_admin_email(self, email, hosted_domain):
        """True when ``email`` is listed and Google vouches for its domain."""
        return email.lower() in self.admin_emails and domain_vouched_for(email, hosted_domain)

    def is_auto_approved(self, email, hosted_domain):
        """True when ``email``'s domain is listed and Google vouches for it."""
        return email_domain(email) in self.auto_approve_domains and domain_vouched_for(email, hosted_domain)


class RegistrationClosed(DomainError):
    """The site takes no new accounts in its registration mode (invite-only or closed); nothing was stored."""

    status = 403

    def __init__(self, mode):
        if mode == site_settings.INVITE_ONLY:
            message = "This site is open by invitation only. Ask an administrator for an invitation."
        else:
            message = "This site is not taking new accounts at the moment."
        super().__init__(message)
        self.mode = mode


class SignInRefused(DomainError):
    """The identity is genuine, but it cannot be tied to an account safely."""

    status = 403


def sign_in(identity, policy, invitation_token=None):
    """Return the account for ``identity``, creating or linking it, and commit.

    Accounts are matched by the provider's subject first, so an e-mail change at Google
    follows the same account; an account an administrator created in advance is linked
    by e-mail at its first sign-in. An invitation for the (verified) address, or the link
    the person opened (``invitation_token``), approves a new or pending account with its
    role, whatever the registration mode.
    """
    try:
        return _sign_in(identity, policy, invitation_token)
    except IntegrityError:
        # The same new person signed in twice at once (two tabs, a double click): the
        # other sign-in created the account first, so this one finds it.
        db.session.rollback()
        return _sign_in(identity, policy, invitation_token)


def _sign_in(identity, policy, invitation_token=None):
    email = identity.email.strip().lower()
    user = _find_by_sub(identity.sub) or _find_unlinked_by_email(email, identity)
    created = user is None
    invitation = None
    if (created or user.status == AccountStatus.pending) and not policy.is_admin_email(email, identity.hosted_domain):
        invitation = _claim_invitation(email, invitation_token)
    if created:
        if invitation is None:
            _admit_newcomer(email, policy, identity.hosted_domain)
        user = User(email=email, name=identity.name or "", status=AccountStatus.pending)
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user.created", target=user, details={"email": email, "via": "sign-in", "mode": policy.registration_mode}
        )
    elif user.email != email:
        _change_email(user, email)
    if identity.sub and user.google_sub is None:
        user.google_sub = identity.sub
    if identity.name:
        user.name = identity.name
    user.picture_url = identity.picture_url or user.picture_url
    user.last_login_at = utcnow()
    if invitation is not None:
        _accept_invitation(user, invitation)
    else:
        _apply_policy(user, policy, created, identity.hosted_domain)
    db.session.commit()
    return user


def _claim_invitation(email, token):
    """Take one use of the first invitation that applies (the caller's transaction keeps or drops it)."""
    for invitation in invitations.usable_for(email, token):
        if invitations.claim(invitation):
            return invitation
    return None


def _accept_invitation(user, invitation):
    user.role = invitation.role
    _auto_approve(user, "invitation", invitation=invitation.id)
    invitations.record_use(invitation, user)


def _admit_newcomer(email, policy, hosted_domain):
    """Refuse a new account when the registration mode takes none (the operator's administrators always get in)."""
    closed = policy.registration_mode in (site_settings.INVITE_ONLY, site_settings.CLOSED)
    if closed and not policy.is_admin_email(email, hosted_domain):
        raise RegistrationClosed(policy.registration_mode)


def _find_by_sub(sub):
    if not sub:
        return None
    return db.session.scalar(select(User).where(User.google_sub == sub))


def _find_unlinked_by_email(email, identity):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not identity.sub:
        return user
    if user.google_sub not in (None, identity.sub):
        # The address now belongs to a different Google account (e.g. a recycled mailbox).
        raise SignInRefused(
            "This e-mail address is linked to a different Google account. Ask an administrator to check your account."
        )
    if user.google_sub is None and not identity.domain_vouched_for:
        # An account made in advance for this address (create-admin) is linked only to an
        # account of the domain's own Google Workspace: a personal Google account registered
        # with the address proves the mailbox was once reachable, not that it is still theirs.
        raise SignInRefused(
            f"An account for {email} was created in advance and can only be linked to a Google Workspace "
            f"account of {email_domain(email)}. Ask an administrator to check your account."
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


def _apply_policy(user, policy, created, hosted_domain):
    """Let the operator's list and the site settings decide for accounts nobody has decided on yet.

    The registration mode decides only for an account made by this sign-in: changing the mode
    never changes existing accounts.
    """
    if user.status != AccountStatus.pending:
        return  # never undo an administrator's decision (rejection, suspension, demotion)
    if policy.is_admin_email(user.email, hosted_domain):
        user.role = Role.admin
        _auto_approve(user, "ADMIN_EMAILS")
    elif created and policy.registration_mode == site_settings.OPEN:
        _auto_approve(user, "open registration")
    elif policy.registration_mode == site_settings.APPROVAL and policy.is_auto_approved(user.email, hosted_domain):
        _auto_approve(user, "AUTO_APPROVE_DOMAINS")


def _auto_approve(user, rule, **details):
    user.status = AccountStatus.approved
    for open_request in user.access_requests:
        if open_request.status == RequestStatus.pending:
            open_request.status = RequestStatus.approved
            open_request.decided_at = utcnow()
            open_request.decision_note = f"Approved automatically ({rule})."
    audit.record(
        "access.auto_approved",
        target=user,
        details={"rule": rule, "role": str(user.role), "automatic": True, **details},
    )


def accept_invitation_link(user, token):
    """A signed-in pending person accepts the link they opened: approved with its role (Conflict when it cannot apply)."""
    invitation = invitations.find_link(token)
    problem = invitations.unusable_reason(invitation)
    if problem:
        raise Conflict(problem)
    if user.status != AccountStatus.pending:
        raise Conflict(f"Your account is {user.status}; an invitation cannot change it. Ask an administrator.")
    if not invitations.claim(invitation):
        db.session.rollback()
        raise Conflict("This invitation has been used up or withdrawn a moment ago.")
    _accept_invitation(user, invitation)
    db.session.commit()
    return user
