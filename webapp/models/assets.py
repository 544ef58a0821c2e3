"""Stored files (images) and where they live."""

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, StrEnum, UTCDateTime, enum_column


class StorageBackend(StrEnum):
    local = "local"
    cloudinary = "cloudinary"


class Asset(CreatedMixin, db.Model):
    """An uploaded image or document: its storage key, public URL and measured facts (0×0 for documents)."""

    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("storage", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    storage: Mapped[StorageBackend] = mapped_column(enum_column(StorageBackend, "storage"))
    # The local file name or the Cloudinary public id.
    key: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str] = mapped_column(String(100))
    bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # A document's own name, shown and offered when it is downloaded (revision 0008); None for images.
    filename: Mapped[str | None] = mapped_column(String(255))
    # Set when nothing refers to the asset any more; the stored file is then deleted
    # after the commit, and again by `flask purge-orphan-assets` if that failed.
    orphaned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    owner: Mapped[Optional["User"]] = relationship()  # noqa: F821

    def __repr__(self):
        return f"<Asset {self.id} {self.storage}:{self.key}>"
