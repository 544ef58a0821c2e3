"""People, their requests for access, and the audit trail of what was decided."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import CreatedMixin, JSONType, StrEnum, TimestampMixin, UTCDateTime, enum_column


class Role(StrEnum):
    user = "user"
    admin = "admin"
    approver = "approver"  # decides access requests; nothing else of the back office
    auditor = "auditor"  # reads the back office and the audit log; changes nothing


class AccountStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    suspended = "suspended"


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class User(TimestampMixin, db.Model):
    """Someone who has signed in at least once, or whom an administrator created in advance."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    picture_url: Mapped[str | None] = mapped_column(String(1000))
    google_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.user, server_default=Role.user.value)
    status: Mapped[AccountStatus] = mapped_column(
        enum_column(AccountStatus, "status"),
        default=AccountStatus.pending,
        server_default=AccountStatus.pending.value,
        index=True,
    )
    # Bumping this signs the user out of every session on every worker at their next request.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    settings: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=text("'{}'"))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    access_requests: Mapped[list["AccessRequest"]] = relationship(
        back_populates="user",
        foreign_keys="AccessRequest.user_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="AccessRequest.id",
    )
    projects: Mapped[list["Project"]] = relationship(  # noqa: F821
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("email")
    def _normalise_email(self, key, value):
        return value.strip().lower()

    @property
    def is_admin(self):
        return self.role == Role.admin and self.status == AccountStatus.approved

    @property
    def is_approved(self):
        return self.status == AccountStatus.approved

    @property
    def can_decide_access(self):
        """Administrators and approvers decide access requests."""
        return self.is_approved and self.role in (Role.admin, Role.approver)

    @property
    def is_auditor(self):
        return self.role == Role.auditor and self.status == AccountStatus.approved

    @property
    def is_staff(self):
        """Whoever may open some part of the back office: administrators, approvers, auditors."""
        return self.is_approved and self.role != Role.user

    @property
    def display_name(self):
        return self.name or self.email

    def get_id(self):
        """Flask-Login's session id: the user id and session version, so a bump signs out."""
        return f"{self.id}:{self.session_version}"

    # Flask-Login protocol: an account in any state can hold a session; the gate decides what it reaches.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __repr__(self):
        return f"<User {self.id} {self.email} {self.role}/{self.status}>"


class AccessRequest(CreatedMixin, db.Model):
    """A newcomer's request to use Hyperdesk, and the administrator's decision on it."""

    __tablename__ = "access_request"
    __table_args__ = (
        # At most one undecided request per person, whichever worker takes the form. The migration
        # gives PostgreSQL the same WHERE; postgresql_where here would make an app on SQLite import
        # SQLAlchemy's PostgreSQL dialect (about 2 MiB per worker, docs/performance.md).
        Index("uq_access_request_one_pending", "user_id", unique=True, sqlite_where=text("status = 'pending'")),
        Index("ix_access_request_status_created", "status", "created_at"),
        # The back office lists undecided requests first, then the latest decisions. Revision 0002.
        Index("ix_access_request_decided_at_id", "decided_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "status"),
        default=RequestStatus.pending,
        server_default=RequestStatus.pending.value,
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # When the last reminder digest named this request (flask access remind): once per period.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="access_requests", foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_decided(self):
        return self.status != RequestStatus.pending

    def __repr__(self):
        return f"<AccessRequest {self.id} user={self.user_id} {self.status}>"


class AuditEvent(CreatedMixin, db.Model):
    """One entry in the audit log: who did what to which record, and when."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_target", "target_type", "target_id"),
        Index("ix_audit_event_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as written so the log still says who acted after the account is deleted.
    actor_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=text("'{}'"))
    ip: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def __repr__(self):
        return f"<AuditEvent {self.id} {self.action} {self.target_type}:{self.target_id}>"
