"""A Resource declaration: which pages a model gets, what they show and accept, and whose rows they are."""

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence, Union

from flask import current_app, url_for
from sqlalchemy import inspect
from sqlalchemy.orm import MANYTOONE, joinedload

from ..urls import url_for_record
from .search import substring_filter


@dataclass(frozen=True)
class Column:
    """A value shown in each list row and on the detail page; ``cell`` names ``resources/cells/<cell>.html``."""

    name: str
    label: str
    cell: str = "text"

    @property
    def template(self):
        """The cell's template: a path as given, or a name in ``templates/resources/cells/``."""
        return self.cell if "/" in self.cell else f"resources/cells/{self.cell}.html"

    @property
    def leading(self):
        """True for a picture: rows show it before their text, detail pages above their values."""
        return self.cell == "thumbnail"


@dataclass(frozen=True)
class Parent:
    """The record a child row belongs to, and the child's column holding the parent's id."""

    resource: "Resource"
    fk: str


@dataclass(frozen=True)
class Keyset:
    """Newest first, one page at a time, continued after the last id shown (never OFFSET)."""

    column: str = "id"


@dataclass(frozen=True)
class Position:
    """A hand-ordered list: positions 0..n-1 within the parent, changed by drag and drop or buttons."""

    column: str = "position"


@dataclass(frozen=True)
class NavEntry:
    """A link to the resource's list in the main navigation (root resources only)."""

    label: str
    description: str = ""


@dataclass(eq=False, kw_only=True)
class Resource:
    """Everything the generic views need to serve one model's list, detail and form pages.

    ``name`` is the URL segment, the blueprint name and the template folder that may
    override the defaults in ``templates/resources/``. A root resource names the column
    holding its owner's user id (``owner``); a child names its ``parent``, and is visible
    to whoever owns the parent.
    """

    model: type
    name: str
    singular: str
    plural: str
    fields: Sequence = ()
    columns: Sequence[Column] = ()
    title: str = "id"
    owner: Optional[str] = None
    parent: Optional[Parent] = None
    order: Union[Keyset, Position] = field(default_factory=Keyset)
    search: Sequence[str] = ()
    search_filter: Callable = substring_filter
    nav: Optional[NavEntry] = None
    audit: bool = False
    description: str = ""
    empty: str = ""

    def __post_init__(self):
        if (self.owner is None) == (self.parent is None):
            raise ValueError(f"{self.name}: declare exactly one of owner= (a root) or parent= (a child)")
        names = [self.owner, self.parent and self.parent.fk, self.order.column, self.title, *self.search]
        names += [f.name for f in self.fields] + [c.name for c in self.columns]
        missing = [n for n in names if n and not hasattr(self.model, n)]
        if missing:
            raise ValueError(f"{self.name}: {self.model.__name__} has no attribute(s) {missing}")

    def __repr__(self):
        return f"<Resource {self.name}>"

    @property
    def positioned(self):
        return isinstance(self.order, Position)

    @property
    def multipart(self):
        """True when a field uploads files, so forms are sent as multipart/form-data."""
        return any(getattr(f, "multipart", False) for f in self.fields)

    @property
    def load_options(self):
        """Eager loads for the many-to-one relationships the pages show (an image, say).

        Each is joined into the row's own statement, so a page of rows with their
        thumbnails still costs one statement.
        """
        shown = {f.name for f in self.fields} | {c.name for c in self.columns}
        relationships = inspect(self.model).relationships
        return [joinedload(getattr(self.model, r.key)) for r in relationships if r.key in shown and r.direction is MANYTOONE]

    @property
    def lineage(self):
        """This resource, its parent, and so on up to the owned root."""
        chain = [self]
        while chain[-1].parent is not None:
            chain.append(chain[-1].parent.resource)
        return chain

    @property
    def owner_relationship(self):
        """The model's relationship to its owner (the one built on the ``owner`` column)."""
        owner_column = self.column(self.owner)
        for relationship in inspect(self.model).relationships:
            if list(relationship.local_columns) == [owner_column]:
                return getattr(self.model, relationship.key)
        raise ValueError(f"{self.model.__name__} has no relationship on {self.owner}")

    def owner_of(self, obj):
        """The user who owns ``obj`` (a top-level row)."""
        return getattr(obj, self.owner_relationship.key)

    @property
    def pk(self):
        return inspect(self.model).primary_key[0]

    def column(self, name):
        return getattr(self.model, name)

    def describe(self, obj, limit=60):
        """A short human name for ``obj`` (its title attribute)."""
        text = str(getattr(obj, self.title))
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def field(self, name):
        return next((f for f in self.fields if f.name == name), None)

    def display(self, obj, column):
        """The text shown for ``column`` of ``obj`` (choice labels instead of stored values)."""
        value = getattr(obj, column.name)
        form_field = self.field(column.name)
        if value is not None and hasattr(form_field, "label_for"):
            return form_field.label_for(value)
        return "" if value is None else str(value)

    def dom_id(self, obj):
        return f"{self.name}-{obj.id}"

    def url(self, view, obj=None, parent_id=None, **params):
        """The URL of one of the generated views: member views take ``obj``, collections ``parent_id``."""
        if obj is not None:
            return url_for_record(f"{self.name}.{view}", "record_id", obj.id, **params)
        if self.parent is not None:
            params["parent_id"] = parent_id
        return url_for(f"{self.name}.{view}", **params)

    def template(self, name):
        """``templates/<name>/<file>`` when the app has one, else ``templates/resources/<file>``."""
        return current_app.extensions["resources"].template(self, name)
