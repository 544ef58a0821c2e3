"""Throwaway models and declarations using every field type, for the typed-field tests (tables made per test)."""

import pytest
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models import Asset, User
from webapp.models.base import UTCDateTime
from webapp.resources import (
    BooleanField,
    ChoiceField,
    Column,
    DateField,
    DateTimeField,
    DecimalField,
    EmailField,
    FileField,
    IntegerField,
    RelationField,
    Resource,
    Sort,
    TagsField,
    TextField,
    URLField,
)
from webapp.resources.views import register_resources


class TypedBase(DeclarativeBase):
    """Metadata of its own: the app's schema and the migrations check never see these tables."""


class Customer(TypedBase):
    __tablename__ = "test_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(User.__table__.c.id, ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))


class Job(TypedBase):
    __tablename__ = "test_job"
    __table_args__ = (
        Index("ix_test_job_owner_id", "owner_id", "id"),
        Index("ix_test_job_owner_title", "owner_id", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(User.__table__.c.id, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(10), default="open")
    due: Mapped[object | None] = mapped_column(Date)
    starts: Mapped[object | None] = mapped_column(UTCDateTime)
    hours: Mapped[int | None] = mapped_column(Integer)
    budget: Mapped[object | None] = mapped_column(Numeric(12, 2))
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    contact: Mapped[str] = mapped_column(String(320), default="")
    site: Mapped[str] = mapped_column(String(2000), default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey(Customer.id, ondelete="SET NULL"))
    labels: Mapped[list] = mapped_column(JSON, default=list)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    brief_asset_id: Mapped[int | None] = mapped_column(ForeignKey(Asset.__table__.c.id, ondelete="SET NULL"))

    client: Mapped[Customer | None] = relationship(Customer)
    brief: Mapped[Asset | None] = relationship(Asset)


class Invoice(TypedBase):
    """A row that must keep its customer: deleting the customer is refused (ON DELETE RESTRICT)."""

    __tablename__ = "test_invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey(Customer.id, ondelete="RESTRICT"))


CUSTOMERS = Resource(
    model=Customer,
    name="customers",
    singular="customer",
    plural="customers",
    title="name",
    owner="owner_id",
    fields=[TextField("name", "Name", required=True, max_length=100)],
    columns=[Column("name", "Name", cell="link")],
)

JOB_FIELDS = [
    TextField("title", "Title", required=True, max_length=100),
    ChoiceField("stage", "Stage", choices=[("open", "Open"), ("won", "Won"), ("lost", "Lost")]),
    DateField("due", "Due"),
    DateTimeField("starts", "Starts"),
    IntegerField("hours", "Hours", min=0, max=1000),
    DecimalField("budget", "Budget", min=0, places=2),
    BooleanField("done", "Done"),
    EmailField("contact", "Contact"),
    URLField("site", "Site"),
    RelationField("client", "Client", to=CUSTOMERS, limit=3),
    TagsField("labels", "Labels", choices=[("red", "Red"), ("blue", "Blue")]),
    TagsField("topics", "Topics"),
    FileField("brief", "Brief", types=("pdf", "txt")),
]

JOBS = Resource(
    model=Job,
    name="jobs",
    singular="job",
    plural="jobs",
    title="title",
    owner="owner_id",
    fields=JOB_FIELDS,
    columns=[
        Column("title", "Title", cell="link"),
        Column("stage", "Stage", cell="badge"),
        Column("due", "Due", labelled=True),
        Column("starts", "Starts", labelled=True),
        Column("done", "Done", labelled=True),
        Column("budget", "Budget", labelled=True),
        Column("contact", "Contact", cell="email"),
        Column("site", "Site", cell="url"),
        Column("client", "Client", cell="related", labelled=True),
        Column("labels", "Labels", cell="tags"),
        Column("topics", "Topics", cell="tags"),
        Column("brief", "Brief", cell="file"),
    ],
    search=("title",),
    filters=("stage", "done", "due", "starts", "client"),
    sorts=(Sort("newest", "Newest first", "id", descending=True), Sort("title", "Title A–Z", "title")),
    audit=True,
)


@pytest.fixture
def typed(app):
    """The app serving customers and jobs, with their tables made for this test only."""
    register_resources(app, [CUSTOMERS, JOBS])
    TypedBase.metadata.create_all(db.engine)
    yield
    db.session.remove()
    TypedBase.metadata.drop_all(db.engine)


def customer(owner, name):
    row = Customer(owner_id=owner.id, name=name)
    db.session.add(row)
    db.session.commit()
    return row


def job(owner, title="Job", **values):
    row = Job(owner_id=owner.id, title=title, **values)
    db.session.add(row)
    db.session.commit()
    return row
