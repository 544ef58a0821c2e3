"""What administrators set while the site runs: site settings and invitations."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType, StrEnum, UTCDateTime, enum_column, utcnow
from .users import Role, User


class SiteSetting(db.Model):
    """One setting an administrator chose; a setting without a row falls back to the environment, then its default."""

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp(), nullable=False
    )
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    @property
    def id(self):
        # The audit log names a target by its id; a setting's key is its id.
        return self.key

    def __repr__(self):
        return f"<SiteSetting {self.key}={self.value!r}>"


class InvitationKind(StrEnum):
    email = "email"  # for one address, which must sign in with Google as that address
    link = "link"  # for whoever opens the link, a set number of times


class InvitationState(StrEnum):
    sent = "sent"  # an e-mail invitation waiting to be used
    active = "active"  # a link with uses left
    used = "used"
    expired = "expired"
    revoked = "revoked"


class Invitation(CreatedMixin, db.Model):
    """An administrator's invitation: an approved account with ``role``, without a request."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint("use_count >= 0 AND use_count <= max_uses", name="uses_within_limit"),
        CheckConstraint("(kind = 'email') = (email IS NOT NULL)", name="email_for_email_kind"),
        Index("ix_invitation_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind, "kind"))
    email: Mapped[str | None] = mapped_column(String(320))
    # A link's secret is shown once; only its SHA-256 is kept (a database leak opens nothing).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_hint: Mapped[str | None] = mapped_column(String(12))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.user)
    max_uses: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    use_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    last_used_by: Mapped[User | None] = relationship(foreign_keys=[last_used_by_id])

    def state(self, now=None):
        """Where the invitation stands at ``now``: revoked and used win over expired."""
        if self.revoked_at is not None:
            return InvitationState.revoked
        if self.use_count >= self.max_uses:
            return InvitationState.used
        if self.expires_at <= (now or utcnow()):
            return InvitationState.expired
        return InvitationState.sent if self.kind == InvitationKind.email else InvitationState.active

    @property
    def is_usable(self):
        return self.state() in (InvitationState.sent, InvitationState.active)

    @property
    def uses_left(self):
        return max(self.max_uses - self.use_count, 0)

    def __repr__(self):
        return f"<Invitation {self.id} {self.kind} {self.email or self.token_hint} {self.role}>"
