"""Signed-in sessions kept on the server, so that signing out ends a session wherever its cookie went."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, UTCDateTime, utcnow


class UserSession(CreatedMixin, db.Model):
    """One browser's sign-in: whose it is, when it was last used, and whether it has ended.

    The cookie carries a random token; only its SHA-256 is stored, so a copy of the table
    signs nobody in.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The account's session version when it started: suspension and demotion bump the account's,
    # which ends this session on every worker without touching its row.
    session_version: Mapped[int] = mapped_column(Integer)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the person's own list of sessions: a browser and system name from a fixed vocabulary
    # (never the raw User-Agent) and the network the sign-in came from (an IPv4 /24, an IPv6 /48).
    device: Mapped[str] = mapped_column(String(60), default="", server_default="")
    network: Mapped[str | None] = mapped_column(String(49))

    user: Mapped["User"] = relationship()  # noqa: F821

    def is_live(self, now, idle, lifetime):
        """True while the session has not ended, been idle for ``idle``, or outlived ``lifetime``."""
        return self.is_live_with(self.ended_at, self.last_seen_at, self.created_at, now, idle, lifetime)

    @staticmethod
    def is_live_with(ended_at, last_seen_at, created_at, now, idle, lifetime):
        """``is_live`` for a session read as values rather than loaded as a row."""
        return ended_at is None and now - last_seen_at < idle and now - created_at < lifetime

    def __repr__(self):
        state = "ended" if self.ended_at else "open"
        return f"<UserSession {self.id} user={self.user_id} {state}>"
