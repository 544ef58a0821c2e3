"""The example domain: projects, their specifications and their ordered bullet items."""

from datetime import date
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import StrEnum, TimestampMixin, enum_column


class ProjectStatus(StrEnum):
    draft = "draft"
    active = "active"
    on_hold = "on_hold"
    done = "done"


class Project(TimestampMixin, db.Model):
    """A user's project: the top of the example domain."""

    __tablename__ = "project"
    __table_args__ = (
        # Lists walk one owner's projects newest first by id (keyset paging).
        Index("ix_project_owner_id_id", "owner_id", "id"),
        # The list's "Name A–Z" sort and its due-date filter walk these (revision 0008).
        Index("ix_project_owner_id_name", "owner_id", "name", "id"),
        Index("ix_project_owner_id_due_date", "owner_id", "due_date"),
        # The back office sorts and filters by these (revision 0002). Substring search uses
        # trigram indexes on PostgreSQL and an FTS5 table on SQLite (revision 0003).
        Index("ix_project_created_at", "created_at"),
        Index("ix_project_name", "name"),
        # GIN trigram indexes led by the owner, made by the migrations (create_search_index, revision
        # 0012). Named here so autogenerate keeps them; postgresql_using/postgresql_ops would make an
        # app on SQLite import SQLAlchemy's PostgreSQL dialect (about 2 MiB per worker, docs/performance.md).
        Index("ix_project_name_trgm", "owner_id", "name").ddl_if(dialect="postgresql"),
        Index("ix_project_description_trgm", "owner_id", "description").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "status"),
        default=ProjectStatus.draft,
        server_default=ProjectStatus.draft.value,
        index=True,
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    cover_asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="SET NULL"), index=True)
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    owner: Mapped["User"] = relationship(back_populates="projects")  # noqa: F821
    cover: Mapped[Optional["Asset"]] = relationship()  # noqa: F821
    specifications: Mapped[list["Specification"]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Specification.id",
    )

    def __repr__(self):
        return f"<Project {self.id} {self.name!r} owner={self.owner_id}>"


class Specification(TimestampMixin, db.Model):
    """A titled specification inside a project."""

    __tablename__ = "specification"
    __table_args__ = (Index("ix_specification_project_id_id", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")

    project: Mapped[Project] = relationship(back_populates="specifications")
    items: Mapped[list["BulletItem"]] = relationship(
        back_populates="specification",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="BulletItem.position",
    )

    def __repr__(self):
        return f"<Specification {self.id} {self.title!r} project={self.project_id}>"


class BulletItem(TimestampMixin, db.Model):
    """One line of a specification; ``position`` orders them from 0 without gaps."""

    __tablename__ = "bullet_item"
    __table_args__ = (UniqueConstraint("specification_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("specification.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(1000))
    position: Mapped[int] = mapped_column(Integer)

    specification: Mapped[Specification] = relationship(back_populates="items")

    def __repr__(self):
        return f"<BulletItem {self.id} #{self.position} spec={self.specification_id}>"
