"""Column types and mixins shared by every model, so SQLite and PostgreSQL behave alike."""

import enum
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Enum, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class JSONDocument(TypeDecorator):
    """JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.

    JSONB is looked up when PostgreSQL first compiles the column: ``JSON().with_variant(JSONB(), …)``
    would make an app on SQLite import SQLAlchemy's whole PostgreSQL dialect (about 2 MiB per worker).
    """

    impl = JSON
    cache_ok = True
    should_evaluate_none = True  # as JSON(): Python's None is stored as JSON null

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = JSONDocument()


def utcnow():
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware value")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: keep the text sortable by storing naive UTC.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(enum_class, name):
    """A portable enum: a VARCHAR with a named CHECK constraint, never a native PostgreSQL type."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class StrEnum(enum.StrEnum):
    """An enum whose members compare equal to, and print as, their string values."""


class CreatedMixin:
    """A creation timestamp set by Python and, for raw inserts, by the database."""

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp(), nullable=False
    )


class TimestampMixin(CreatedMixin):
    """Creation and last-change timestamps."""

    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime,
        default=utcnow,
        onupdate=utcnow,
        server_default=func.current_timestamp(),
        nullable=False,
    )
