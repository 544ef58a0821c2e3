"""A Resource declaration: which pages a model gets, what they show and accept, and whose rows they are."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from flask import current_app, url_for
from sqlalchemy import inspect
from sqlalchemy.orm import MANYTOONE, joinedload

from ..urls import record_url_maker, url_for_record
from .backoffice import BackOffice
from .fields import ChoiceField
from .listing import NEWEST, Sort
from .relations import RelationField
from .search import newest_full_text_ids, substring_filter
from .typed import BooleanField, DateField, DateTimeField

# Field types a list can be filtered by: a choice, yes/no, a date range, a related row.
FILTERABLE = (ChoiceField, BooleanField, DateField, DateTimeField, RelationField)
# What everyone's list shows of a row's owner (resources/rows.py): a name, or else the address.
OWNER_SHOWN = ("id", "name", "email")


@dataclass(frozen=True)
class Column:
    """A value shown in each list row and on the detail page; ``cell`` names ``resources/cells/<cell>.html``."""

    name: str
    label: str
    cell: str = "text"
    # Rows show the label before the value: "Hours 12" where a bare "12" or "No" says nothing.
    labelled: bool = False

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
    """A link to the resource's list in the main navigation (root resources only): lower ``order`` first."""

    label: str
    description: str = ""
    order: int = 100


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
    owner: str | None = None
    parent: Parent | None = None
    order: Keyset | Position = field(default_factory=Keyset)
    search: Sequence[str] = ()
    search_filter: Callable = substring_filter
    search_index: bool = False
    filters: Sequence[str] = ()
    sorts: Sequence[Sort] = ()
    nav: NavEntry | None = None
    audit: bool = False
    description: str = ""
    empty: str = ""
    back_office: BackOffice | None = field(default_factory=BackOffice)

    def __post_init__(self):
        if (self.owner is None) == (self.parent is None):
            raise ValueError(f"{self.name}: declare exactly one of owner= (a root) or parent= (a child)")
        names = [self.owner, self.parent and self.parent.fk, self.order.column, self.title, *self.search]
        names += [f.name for f in self.fields] + [c.name for c in self.columns]
        missing = [n for n in names if n and not hasattr(self.model, n)]
        if missing:
            raise ValueError(f"{self.name}: {self.model.__name__} has no attribute(s) {missing}")
        self._check_filters()
        for sort in self.sorts:
            self._check_sort(sort)

    def _check_filters(self):
        if (self.filters or self.sorts) and self.positioned:
            raise ValueError(
                f"{self.name}: a hand-ordered list (order=Position()) shows every row; it takes no filters or sorts"
            )
        for name in self.filters:
            if not isinstance(self.field(name), FILTERABLE):
                raise ValueError(
                    f"{self.name}: filter {name!r} must name a declared choice, boolean, date, date-time or relation field"
                )

    def _check_sort(self, sort):
        """A sort must walk an index in key order: led by the owner (or parent) column, then the sort column."""
        if not hasattr(self.model, sort.column):
            raise ValueError(f"{self.name}: sort {sort.key!r}: {self.model.__name__} has no attribute {sort.column!r}")
        table = self.model.__table__
        column = table.c[sort.column]
        if column.nullable:
            raise ValueError(
                f"{self.name}: sort {sort.key!r} is on {sort.column!r}, which may be NULL; sort on a NOT NULL column"
            )
        scope = self.owner or self.parent.fk
        indexed = [list(index.columns.keys()) for index in table.indexes]
        indexed += [list(c.columns.keys()) for c in table.constraints if hasattr(c, "columns")]
        if not any(columns[:2] == [scope, sort.column] for columns in indexed):
            raise ValueError(
                f"{self.name}: sort {sort.key!r} has no index to walk: "
                f"add Index(..., {scope!r}, {sort.column!r}, 'id') to the {table.name} table"
            )

    def __repr__(self):
        return f"<Resource {self.name}>"

    @cached_property
    def search_columns(self):
        """The columns searched, in their declared order."""
        return [self.column(n) for n in self.search]

    def search_clause(self, text, scope=None):
        """The WHERE clause finding ``text`` in the searched fields (index-backed when ``search_index``).

        ``scope``: the clause narrowing the list to one owner's or one parent's rows (see ``substring_filter``).
        """
        columns = [self.column(n) for n in self.search]
        if self.search_filter is substring_filter:
            return substring_filter(columns, text, indexed=self.search_index, scope=scope)
        return self.search_filter(columns, text)

    def newest_matches(self, text, before, limit):
        """The ids of the newest ``limit`` rows matching ``text`` below the id ``before``, where an index
        can give them in that order (see ``newest_full_text_ids``); None elsewhere."""
        if self.search_filter is not substring_filter or not self.search_index:
            return None
        return newest_full_text_ids([self.column(n) for n in self.search], text, before, limit)

    @property
    def default_sort(self):
        """The first declared sort, else newest first."""
        return self.sorts[0] if self.sorts else NEWEST

    @property
    def has_lookups(self):
        """True when a relation field offers a type-ahead, served by the resource's ``lookup`` route."""
        return any(isinstance(f, RelationField) for f in self.fields)

    def url_for_lookup(self, form_field):
        return url_for(f"{self.name}.lookup", field_name=form_field.name)

    @property
    def positioned(self):
        return isinstance(self.order, Position)

    @property
    def multipart(self):
        """True when a field uploads files, so forms are sent as multipart/form-data."""
        return any(getattr(f, "multipart", False) for f in self.fields)

    @cached_property
    def load_options(self):
        """Eager loads for the many-to-one relationships the pages show (an image, say).

        Each is joined into the row's own statement, so a page of rows with their
        thumbnails still costs one statement.
        """
        shown = {f.name for f in self.fields} | {c.name for c in self.columns}
        relationships = inspect(self.model).relationships
        return [
            joinedload(getattr(self.model, r.key)) for r in relationships if r.key in shown and r.direction is MANYTOONE
        ]

    @property
    def lineage(self):
        """This resource, its parent, and so on up to the owned root."""
        chain = [self]
        while chain[-1].parent is not None:
            chain.append(chain[-1].parent.resource)
        return chain

    @cached_property
    def owner_relationship(self):
        """The model's relationship to its owner (the one built on the ``owner`` column)."""
        return getattr(self.model, self.relationship_on(self.owner))

    def relationship_on(self, column_name):
        """The name of the model's many-to-one relationship built on the column ``column_name``."""
        column = self.column(column_name).property.columns[0]
        for relationship in inspect(self.model).relationships:
            local = list(relationship.local_columns)
            if relationship.direction is MANYTOONE and len(local) == 1 and local[0] is column:
                return relationship.key
        raise ValueError(f"{self.model.__name__} has no relationship on {column_name}")

    @cached_property
    def owner_load(self):
        """Everyone's list loads each row's owner in the same statement, with only what the list shows of
        them (``OWNER_SHOWN``): each further column is converted again for every row."""
        owner = self.owner_relationship
        account = owner.property.mapper.class_
        return joinedload(owner).load_only(*(getattr(account, name) for name in OWNER_SHOWN))

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
        return self._fields_by_name.get(name)

    @cached_property
    def _fields_by_name(self):
        return {f.name: f for f in self.fields}

    def display(self, obj, column):
        """The text shown for ``column`` of ``obj`` (choice labels instead of stored values)."""
        value = getattr(obj, column.name)
        form_field = self.field(column.name)
        if form_field is not None:
            return form_field.text(value)
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

    def record_url(self, view, **params):
        """A function of a row's id giving the URL of the member view ``view`` (built once, for a page of rows)."""
        return record_url_maker(f"{self.name}.{view}", "record_id", **params)

    def template(self, name):
        """``templates/<name>/<file>`` when the app has one, else ``templates/resources/<file>``."""
        return current_app.extensions["resources"].template(self, name)
