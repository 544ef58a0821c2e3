"""The pages for projects, specifications and bullet items, declared once each."""

from ..models import BulletItem, Project, ProjectStatus, Specification
from ..resources import (
    BackOffice,
    ChoiceField,
    Column,
    DateField,
    ImageField,
    NavEntry,
    Parent,
    Position,
    Resource,
    Sort,
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
        DateField("due_date", "Due date"),
        TextAreaField("description", "Description", max_length=5000, rows=2),
        ImageField("cover", "Cover image"),
    ],
    columns=[
        Column("cover", "Cover", cell="thumbnail"),
        Column("name", "Name", cell="link"),
        Column("status", "Status", cell="badge"),
        Column("due_date", "Due", labelled=True),
        Column("description", "Description", cell="excerpt"),
    ],
    search=("name", "description"),
    search_index=True,  # revision 0003 made the trigram indexes and the FTS5 table
    filters=("status", "due_date"),
    sorts=(Sort("newest", "Newest first", "id", descending=True), Sort("name", "Name A–Z", "name")),
    nav=NavEntry("Projects", "Your projects, their specifications and checklists.", order=10),
    audit=True,
    description="Your projects, their specifications and checklists.",
    # A spreadsheet gets the description next to the name, and the cover's id rather than its picture.
    back_office=BackOffice(
        export=(
            "id",
            "name",
            "description",
            "owner",
            "status",
            "due_date",
            "cover_asset_id",
            "created_at",
            "updated_at",
        )
    ),
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
    back_office=BackOffice(label="Bullet items", url="bullet-items"),
)

RESOURCES = [PROJECTS, SPECIFICATIONS, ITEMS]
