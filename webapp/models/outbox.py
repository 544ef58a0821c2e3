"""E-mail waiting to be sent: written in the same transaction as the change it reports."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import CreatedMixin, JSONType, StrEnum, UTCDateTime, enum_column, utcnow


class OutboxStatus(StrEnum):
    pending = "pending"  # waiting for its first or next delivery attempt
    sent = "sent"  # the mail server accepted it
    failed = "failed"  # given up on (refused, or too many attempts); `flask outbox retry` sends it again


class OutboxMessage(CreatedMixin, db.Model):
    """One e-mail in the outbox, delivered after the commit that wrote it, retried until sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # Delivery looks for pending rows that are due; the back office lists undelivered ones.
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Message-ID header, fixed when the row is written, so a message sent twice is recognisably one.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipients: Mapped[list] = mapped_column(JSONType)
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    # The From display name (the site's name when the message was written); None: MAIL_SENDER's own.
    sender_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "status"), default=OutboxStatus.pending, server_default=OutboxStatus.pending.value
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )
    # A delivery holds the row until then; a worker killed mid-delivery lets it go when this passes.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_delivered(self):
        return self.status == OutboxStatus.sent

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.status} attempts={self.attempts}>"
