"""Declared filters and sorts of a list page: reading them from the URL and turning them into SQL.

A list's URL says everything it shows (``?q=…&status=active&due_from=…&sort=name&after=…``),
so reload, back and "Load more" keep it. Values that do not parse are ignored, as if the
filter were not set. Each sort walks an index in key order (``sort column, id``) and continues
after the last row shown (a keyset cursor), never with OFFSET.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, inspect, tuple_

from ..ids import MAX_ID, parse_id
from ..text import has_control_characters
from .relations import TAGGED_ID, RelationField
from .search import normalise_query
from .typed import BooleanField, DateField, DateTimeField, viewer_zone


@dataclass(frozen=True)
class Sort:
    """One order a list may be shown in: ``?sort=<key>``; ties broken by id, in the same direction."""

    key: str
    label: str
    column: str
    descending: bool = False


NEWEST = Sort("newest", "Newest first", "id", descending=True)


@dataclass
class ListQuery:
    """What the URL asks a list for: search text, filter values (as typed), the order and where to continue."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: Sort = NEWEST
    after: object = None  # the cursor: an id for id orders, else (value, id)

    def args(self, resource, **extra):
        """The URL parameters that reproduce this query (for links: load more, scopes)."""
        params = {"q": self.q or None, **{k: v for k, v in self.filters.items() if v}}
        if self.sort is not resource.default_sort:
            params["sort"] = self.sort.key
        params.update(extra)
        return {k: v for k, v in params.items() if v not in (None, "")}

    def cursor_for(self, row):
        """The ``after`` value continuing after ``row``."""
        if self.sort.column == "id":
            return row.id
        value = getattr(row, self.sort.column)
        encoded = json.dumps([_jsonable(value), row.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def filter_params(resource, name):
    """The URL parameters a filter on field ``name`` reads."""
    form_field = resource.field(name)
    if isinstance(form_field, DateField | DateTimeField):
        return [f"{name}_from", f"{name}_to"]
    return [name]


def read(resource, args):
    """The ListQuery a list page's URL asks for (unknown or malformed values are dropped)."""
    sort = next((s for s in resource.sorts if s.key == args.get("sort")), resource.default_sort)
    filters = {}
    for name in resource.filters:
        for param in filter_params(resource, name):
            value = (args.get(param) or "").strip()[:200]
            if value:
                filters[param] = value
    query = ListQuery(normalise_query(args.get("q")), filters, sort)
    query.after = _cursor(resource, sort, args.get("after"))
    return query


def _cursor(resource, sort, raw):
    if not raw:
        return None
    if sort.column == "id":
        return parse_id(raw)
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError("cursor id of the wrong type")  # cursor_for writes the id as a number
        python_type = inspect(resource.model).columns[sort.column].type.python_type
        return _typed(python_type, value), parse_id(str(row_id))
    # RecursionError: a cursor nested thousands of levels deep is no cursor either.
    except (
        ValueError,
        TypeError,
        binascii.Error,
        InvalidOperation,
        UnicodeDecodeError,
        NotImplementedError,
        RecursionError,
    ):
        return None


def _typed(python_type, value):
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(str(value))
    if not isinstance(value, python_type) or isinstance(value, bool):
        raise ValueError("cursor value of the wrong type")
    # A cursor is the client's text: the database must be able to take the value back.
    if isinstance(value, int) and abs(value) > MAX_ID:
        raise ValueError("cursor value beyond 64 bits")
    if isinstance(value, str) and has_control_characters(value):
        raise ValueError("cursor value with control characters")
    return value


def where(resource, query):
    """The WHERE clauses of the query's filters (filters whose values do not parse add none)."""
    clauses = []
    for name in resource.filters:
        form_field, column = resource.field(name), resource.column(name)
        clause = _clause(form_field, column, query.filters, name)
        if clause is not None:
            clauses.append(clause)
    return clauses


def _clause(form_field, column, values, name):
    if isinstance(form_field, DateField | DateTimeField):
        return _range(form_field, column, values.get(f"{name}_from"), values.get(f"{name}_to"))
    raw = values.get(name)
    if raw is None:
        return None
    if isinstance(form_field, BooleanField):
        flag = {"yes": True, "no": False}.get(raw)
        return None if flag is None else column.is_(flag)
    if isinstance(form_field, RelationField):
        tagged = TAGGED_ID.search(raw)
        row_id = parse_id(tagged.group(1) if tagged else raw)
        fk = next(iter(column.property.local_columns))
        return None if row_id is None else fk == row_id
    stored = form_field._values.get(raw)  # a choice
    return None if stored is None else column == stored


def _range(form_field, column, start, end):
    """``start <= column <= end`` for dates; for date-times, whole days in the viewer's zone."""
    bounds = []
    for text, is_end in ((start, False), (end, True)):
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            day = None
        if day is None:
            continue
        if isinstance(form_field, DateTimeField):
            # A day at the calendar's edge bounds nothing: every moment datetime holds is within it.
            day_start = None if is_end and day == date.max else _day_start(day + timedelta(days=int(is_end)))
            if day_start is not None:
                bounds.append(column < day_start if is_end else column >= day_start)
        else:
            bounds.append(column <= day if is_end else column >= day)
    return and_(*bounds) if bounds else None


def _day_start(day):
    """The UTC moment ``day`` starts in the viewer's zone (None when that is beyond what datetime holds)."""
    try:
        return datetime.combine(day, time(), viewer_zone()).astimezone(UTC)
    except OverflowError:
        return None


def order(resource, query):
    """The ORDER BY of the query's sort, and the keyset condition continuing after its cursor (or None)."""
    sort = query.sort
    key, pk = resource.column(sort.column), resource.pk
    ordering = [key.desc(), pk.desc()] if sort.descending else [key, pk]
    if sort.column == "id":
        ordering = ordering[:1]
    after = query.after
    if after is None:
        return ordering, None
    if sort.column == "id":
        return ordering, (key < after if sort.descending else key > after)
    value, row_id = after
    if row_id is None:
        return ordering, None
    pair, cursor = tuple_(key, pk), tuple_(value, row_id)
    return ordering, (pair < cursor if sort.descending else pair > cursor)
