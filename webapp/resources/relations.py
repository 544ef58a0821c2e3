"""Fields that point elsewhere or hold several values: a relation to another row, and tags."""

import re
from dataclasses import dataclass

import wtforms
from flask import g, has_app_context
from sqlalchemy import func, inspect, select
from wtforms.validators import ValidationError

from ..exceptions import FieldError
from ..extensions import db
from ..ids import parse_id
from . import queries
from .fields import Field
from .search import substring_filter
from .validation import CONTROL, Optional, Required, run

# "Acme Ltd #42": what a type-ahead input shows and sends for a chosen row.
TAGGED_ID = re.compile(r"#(\d{1,18})\s*$")


@dataclass(frozen=True)
class Choice:
    """What a relation input shows: the chosen row's id (as text) and its name (or the text as typed)."""

    id: str = ""
    label: str = ""

    @property
    def text(self):
        """The type-ahead input's text: "name #id" for a chosen row, else what was typed."""
        return f"{self.label} #{self.id}" if self.id else self.label


@dataclass(frozen=True)
class Options:
    """The rows a person may pick from: up to ``limit`` of them, and whether there are more (then: type-ahead)."""

    rows: list
    more: bool

    @property
    def ids(self):
        return {str(row_id) for row_id, _ in self.rows}


class RelatedRowField(wtforms.Field):
    """A WTForms field whose value is a row, found by ``resolve(text)`` (FieldError: not one the person may pick)."""

    widget = wtforms.widgets.TextInput()

    def __init__(self, *args, resolve, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolve = resolve

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = self.resolve(text) if text else None

    def _value(self):
        return "" if self.data is None else str(inspect(self.data).identity[0])


class RelationField(Field):
    """A row of another declared resource (``to=RESOURCE``) or model (``to=Model, title="name"``).

    Declared on the many-to-one relationship's name. Column: ``ForeignKey("<table>.id",
    ondelete="SET NULL")``, nullable (``ondelete="RESTRICT"`` when required; deleting a row
    still in use is then refused), plus ``relationship()``. People pick only rows they may
    see: their own rows of a declared resource, or the rows ``where(statement, user)`` keeps
    of a model (all rows by default). Up to ``limit`` rows are offered in a list; beyond that
    the input becomes a type-ahead (``Name #id``), served by the resource's ``lookup`` route.
    """

    filter_widget = "relation"  # templates/resources/filters/<name>.html
    widget = "relation"
    scaffold_type = "relation"

    def __init__(self, name, label, *, to, title=None, where=None, limit=50, **options):
        super().__init__(name, label, **options)
        self.to = to
        self.where = where
        self.limit = limit
        self.title = title or getattr(to, "title", None) or "name"

    @property
    def target(self):
        """The related model class."""
        return getattr(self.to, "model", self.to)

    @property
    def declared(self):
        """True when the related rows belong to a declared resource (and are filtered by owner)."""
        return hasattr(self.to, "lineage")

    def visible(self, actor, *columns):
        """SELECT ``columns`` of the related rows ``actor`` may pick (every row when ``actor`` is None: back office)."""
        if actor is None:
            return select(*columns)
        if self.declared:
            return queries.owned(self.to, actor, *columns)
        statement = select(*columns)
        return self.where(statement, actor) if self.where else statement

    def _title_column(self):
        return getattr(self.target, self.title)

    def options(self, actor, q=""):
        """Up to ``limit`` (id, name) pairs ``actor`` may pick, by name; one statement, kept for the request."""
        key = ("relation-options", id(self), getattr(actor, "id", None), q)
        cache = g.setdefault("relation_options", {}) if has_app_context() else {}
        if key not in cache:
            pk, title = inspect(self.target).primary_key[0], self._title_column()
            statement = self.visible(actor, pk, title)
            if q:
                statement = statement.where(substring_filter([title], q))
            rows = db.session.execute(statement.order_by(title, pk).limit(self.limit + 1)).all()
            cache[key] = Options([tuple(r) for r in rows[: self.limit]], len(rows) > self.limit)
        return cache[key]

    def resolve(self, actor, current, text):
        """The row ``text`` names ("42", "Name #42" or an exact name), if ``actor`` may pick it."""
        if CONTROL.search(text):
            # No name holds one, and PostgreSQL would refuse a NUL in the query in its own words.
            raise FieldError(f"{self.label} contains invisible control characters; please retype it.")
        pk, title = inspect(self.target).primary_key[0], self._title_column()
        tagged = TAGGED_ID.search(text)
        row_id = parse_id(tagged.group(1) if tagged else text)
        if current is not None and row_id == inspect(current).identity[0]:
            return current  # the row it already points at stays, even if no longer offered
        if row_id is not None:
            found = db.session.scalars(self.visible(actor, self.target).where(pk == row_id)).all()
        else:
            named = self.visible(actor, self.target).where(func.lower(title) == text.lower()).limit(2)
            found = db.session.scalars(named).all()
        if len(found) != 1:
            what = "Several rows are" if len(found) > 1 else "Nothing you can choose is"
            raise FieldError(f"{self.label}: {what} called “{text[:80]}”. Choose one from the list.")
        return found[0]

    def form_field(self, actor=None, current=None, **options):
        return RelatedRowField(
            self.label,
            validators=[Required(self.label) if self.required else Optional()],
            resolve=lambda text: self.resolve(actor, current, text),
            description=self.help,
            **options,
        )

    def read(self, data, actor=None, obj=None):
        current = None if obj is None else getattr(obj, self.name)
        return run(self.name, self.form_field(actor, current), [self.raw(data)])

    def initial(self, obj):
        related = None if obj is None else getattr(obj, self.name)
        if related is None:
            return Choice()
        return Choice(str(inspect(related).identity[0]), self.text(related))

    def redisplay(self, data, values, actor=None, obj=None):
        typed = self.raw(data).strip()
        tagged = TAGGED_ID.search(typed)
        if typed.isascii() and typed.isdecimal():
            return Choice(typed, "")
        if tagged:
            return Choice(tagged.group(1), typed[: tagged.start()].strip())
        return Choice("", typed)

    def stored(self, data):
        return data

    def text(self, value):
        return "" if value is None else str(getattr(value, self.title))

    def link(self, related):
        """The related row's page, when it is a declared resource's row."""
        return self.to.url("show", related) if self.declared else None

    def to_json(self, value):
        return None if value is None else {"id": inspect(value).identity[0], "title": self.text(value)}

    def form_values(self, json_value):
        if json_value is None:
            return [""]
        if isinstance(json_value, dict) and isinstance(json_value.get("id"), int):
            json_value = json_value["id"]  # the related row as the API sent it (and as a PATCH keeps it)
        if isinstance(json_value, bool) or not isinstance(json_value, int):
            raise FieldError(f"{self.label} must be the id of a row you may choose, or null.")
        return [str(json_value)]

    def json_schema(self):
        return {
            "title": self.label,
            "description": "Written as the related row's id (or the {id, title} the API answered); read as {id, title}.",
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}},
                {"type": "null"},
            ],
        }


class TagListField(wtforms.Field):
    """A WTForms field reading free tags: each submitted value split at commas, trimmed, duplicates dropped."""

    widget = wtforms.widgets.TextInput()

    def process_formdata(self, valuelist):
        seen, tags = set(), []
        for value in valuelist:
            for tag in (part.strip() for part in value.split(",")):
                if tag and tag.casefold() not in seen:
                    seen.add(tag.casefold())
                    tags.append(tag)
        self.data = tags

    def _value(self):
        return ", ".join(self.data or [])


class TagsField(Field):
    """Several values: ticked from ``choices=[(value, label), …]``, or free tags typed with commas without them.

    Column: ``JSONType`` (webapp.models.base: JSON, JSONB on PostgreSQL), NOT NULL,
    ``default=list``, ``server_default=sa.text("'[]'")``; the value is a list of strings.
    """

    scaffold_type = "tags"

    def __init__(self, name, label, *, choices=None, max_tags=20, max_length=40, **options):
        options.setdefault("default", [])
        super().__init__(name, label, max_length=max_length, **options)
        self.choices = [(str(value), text) for value, text in choices] if choices else None
        self.max_tags = max_tags
        self.widget = "checkboxes" if self.choices else "tags"

    def validators(self):
        return [Required(self.label) if self.required else Optional(), self._check]

    def _check(self, form, field):
        tags = field.data or []
        if len(tags) > self.max_tags:
            raise ValidationError(f"{self.label}: at most {self.max_tags} tags (you gave {len(tags)}).")
        if any(CONTROL.search(tag) for tag in tags):
            raise ValidationError(f"{self.label} contains invisible control characters; please retype it.")
        long = next((tag for tag in tags if len(tag) > self.max_length), None)
        if long is not None:
            raise ValidationError(f"{self.label}: “{long[:20]}…” is longer than {self.max_length} characters.")

    def form_field(self, **options):
        if self.choices is None:
            return TagListField(self.label, validators=self.validators(), description=self.help, **options)
        message = f"Choose {self.label.lower()} from the listed values."
        return wtforms.SelectMultipleField(
            self.label,
            choices=self.choices,
            validators=self.validators(),
            invalid_choice_message=message,
            description=self.help,
            **options,
        )

    def raw(self, data):
        return data.getlist(self.name) if hasattr(data, "getlist") else list(data.get(self.name, []))

    def initial(self, obj):
        value = self.default if obj is None else getattr(obj, self.name)
        return list(value or [])

    def redisplay(self, data, values, actor=None, obj=None):
        if self.choices is not None:
            return self.raw(data)
        return [part.strip() for value in self.raw(data) for part in value.split(",") if part.strip()]

    def stored(self, data):
        return list(data or [])

    def labels(self, value):
        """The labels of stored tags (free tags are their own label)."""
        names = dict(self.choices or [])
        return [names.get(tag, tag) for tag in value or []]

    def text(self, value):
        return ", ".join(self.labels(value))

    def to_json(self, value):
        return list(value or [])

    def form_values(self, json_value):
        if json_value is None:
            return []
        if not isinstance(json_value, list) or not all(isinstance(tag, str) for tag in json_value):
            raise FieldError(f"{self.label} must be a list of strings.")
        return list(json_value)

    def json_schema(self):
        items = {"type": "string", "maxLength": self.max_length}
        if self.choices is not None:
            items = {"type": "string", "enum": [value for value, _ in self.choices]}
        return {"type": "array", "items": items, "maxItems": self.max_tags, "uniqueItems": True, "title": self.label}
