"""Personal API keys: a person's credential for scripts and integrations, stored only as a hash."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, StrEnum, UTCDateTime, enum_column


class KeyScope(StrEnum):
    read = "read"
    read_write = "read_write"


class ApiKey(CreatedMixin, db.Model):
    """One key: who owns it, what it may do, until when; the secret itself is never stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, shown in lists so people can tell their keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole key: keys are long random strings, so a fast hash is enough to look one up.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[KeyScope] = mapped_column(enum_column(KeyScope, "scope"), default=KeyScope.read)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def can_write(self):
        return self.scope == KeyScope.read_write

    def is_expired(self, now):
        return self.expires_at is not None and self.expires_at <= now

    def __repr__(self):
        return f"<ApiKey {self.id} {self.prefix} user={self.user_id} {self.scope}>"
