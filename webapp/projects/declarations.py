"""The pages for projects, specifications and bullet items, declared once each."""

from ..models import BulletItem, Project, ProjectStatus, Specification
from ..resources import (
    ChoiceField,
    Column,
    NavEntry,
    Parent,
    Position,
    Resource,
    TextAreaField,
    TextField,
)

STATUS_CHOICES = [
    (ProjectStatus.draft, "Draft"),
    (ProjectStatus.active, "Active"),
    (ProjectStatus.on_hold, "On hold"),
    (ProjectStatus.done, "Done"),
]

PROJECTS = Resource(
    model=Project,
    name="projects",
    singular="project",
    plural="projects",
    title="name",
    owner="owner_id",
    fields=[
        TextField("name", "Name", required=True, max_length=200, placeholder="What is it called?"),
        ChoiceField("status", "Status", choices=STATUS_CHOICES),
        TextAreaField("description", "Description", max_length=5000, rows=2),
    ],
    columns=[
        Column("name", "Name", cell="link"),
        Column("status", "Status", cell="badge"),
        Column("description", "Description", cell="excerpt"),
    ],
    search=("name", "description"),
    nav=NavEntry("Projects", "Your projects, their specifications and checklists."),
    audit=True,
    description="Your projects, newest first.",
    empty="No projects yet. Create the first one above.",
)

SPECIFICATIONS = Resource(
    model=Specification,
    name="specifications",
    singular="specification",
    plural="specifications",
    title="title",
    parent=Parent(PROJECTS, "project_id"),
    fields=[
        TextField("title", "Title", required=True, max_length=200, placeholder="What does it specify?"),
        TextAreaField("body", "Details", max_length=20000, rows=3),
    ],
    columns=[Column("title", "Title", cell="link"), Column("body", "Details", cell="excerpt")],
    empty="No specifications yet.",
)

ITEMS = Resource(
    model=BulletItem,
    name="items",
    singular="item",
    plural="items",
    title="text",
    parent=Parent(SPECIFICATIONS, "specification_id"),
    order=Position("position"),
    fields=[TextField("text", "Item", required=True, max_length=1000, placeholder="Add an item and press Enter")],
    columns=[Column("text", "Item")],
    empty="No items yet.",
)

RESOURCES = [PROJECTS, SPECIFICATIONS, ITEMS]
