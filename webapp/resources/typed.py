"""Typed fields: dates, date-times, whole and decimal numbers, yes/no (addresses are in addresses.py).

Each reads and checks values through its WTForms field (see fields.py); the docstrings name
the SQLAlchemy column each expects.
"""

from datetime import UTC
from decimal import Decimal

import wtforms
from flask import has_request_context
from flask_login import current_user

from ..exceptions import FieldError
from ..services.settings import time_zone
from .fields import Field
from .validation import Between, Optional, Places, Required

INT32 = (-(2**31), 2**31 - 1)
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
OFFSET_FORMATS = ["%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"]


def first(data, name):
    """The first submitted value of ``name`` ('' when none; a name sent with no value at all is none)."""
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
    return str(values[0]) if values else ""


def viewer_zone():
    """The time zone of the person the current request is for (UTC outside a request or signed out)."""
    if has_request_context() and current_user.is_authenticated:
        return time_zone(current_user)
    return UTC


class ScalarField(Field):
    """A field holding one typed value (None when left empty and not required)."""

    def validators(self):
        return [Required(self.label) if self.required else Optional()]

    def raw(self, data):
        return first(data, self.name).strip()

    def stored(self, data):
        return data

    def initial(self, obj):
        value = self.default if obj is None else getattr(obj, self.name)
        return "" if value is None or value == "" else self.form_text(value)

    def form_text(self, value):
        """The stored value as the form's input shows it."""
        return str(value)

    def to_json(self, value):
        return value

    def form_values(self, json_value):
        if json_value is None:
            return [""]
        if isinstance(json_value, bool) or not isinstance(json_value, str | int | float):
            raise FieldError(f"{self.label} has the wrong type.")
        return [str(json_value)]

    def nullable(self, schema):
        if not self.required:
            schema["type"] = [schema["type"], "null"]
        return schema


class DateField(ScalarField):
    """A calendar date, typed with the browser's date picker (YYYY-MM-DD). Column: ``Date``, nullable."""

    filter_widget = "range"  # templates/resources/filters/<name>.html
    widget = "date"
    scaffold_type = "date"

    def form_field(self, **options):
        message = f"{self.label}: enter a date as YYYY-MM-DD, for example 2027-03-31."
        return wtforms.DateField(
            self.label, validators=self.validators(), invalid_value_message=message, description=self.help, **options
        )

    def form_text(self, value):
        return value.isoformat()

    def text(self, value):
        return "" if value is None else f"{value:%d %b %Y}"  # as every page writes dates: "31 Mar 2027"

    def to_json(self, value):
        return None if value is None else value.isoformat()

    def json_schema(self):
        return self.nullable({"type": "string", "format": "date", "title": self.label})


class ZonedDateTimeField(wtforms.DateTimeField):
    """A WTForms date-time read in a time zone (``zone``, a callable) and kept in UTC.

    A time with an offset (``2027-03-31T09:00:00Z``, as the API sends) keeps its offset; a
    local time (what ``<input type="datetime-local">`` sends) is read in the zone.
    """

    def __init__(self, *args, zone=viewer_zone, **kwargs):
        super().__init__(*args, format=LOCAL_FORMATS + OFFSET_FORMATS, **kwargs)
        self.zone = zone

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = in_utc(self.data, self.zone(), self.label.text)

    def _value(self):
        # A stored time is shown in the zone it will be read back in, or saving it unchanged would move it.
        if not self.raw_data and self.data is not None and self.data.tzinfo is not None:
            return self.data.astimezone(self.zone()).strftime(self.format[0])
        return super()._value()


def in_utc(moment, zone, label):
    """``moment`` in UTC; a naive one is read in ``zone``, and a time the clocks skip there is refused."""
    try:
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        local = moment.replace(tzinfo=zone)
        utc = local.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != moment:
            raise FieldError(f"{label}: {moment:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks change then).")
        return utc
    except OverflowError:
        raise FieldError(f"{label} is out of range.") from None


class DateTimeField(ScalarField):
    """A moment in time, typed and shown in the person's time zone (a setting), stored in UTC.

    Column: ``UTCDateTime`` (webapp.models.base; ``DateTime(timezone=True)``), nullable.
    """

    filter_widget = "range"  # templates/resources/filters/<name>.html
    widget = "datetime"
    scaffold_type = "datetime"

    def form_field(self, **options):
        message = f"{self.label}: enter a date and time, for example 2027-03-31 14:30."
        return ZonedDateTimeField(
            self.label, validators=self.validators(), invalid_value_message=message, description=self.help, **options
        )

    def form_text(self, value):
        return value.astimezone(viewer_zone()).strftime("%Y-%m-%dT%H:%M")

    def text(self, value):
        if value is None:
            return ""
        local = value.astimezone(viewer_zone())
        return f"{local:%d %b %Y %H:%M} {local.tzname()}"

    def to_json(self, value):
        return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def json_schema(self):
        return self.nullable({"type": "string", "format": "date-time", "title": self.label})


class IntegerField(ScalarField):
    """A whole number within ``min``..``max`` (by default what a 32-bit column holds). Column: ``Integer``, nullable."""

    widget = "number"
    scaffold_type = "int"
    inputmode = "numeric"

    def __init__(self, name, label, *, min=None, max=None, **options):
        super().__init__(name, label, **options)
        self.min = INT32[0] if min is None else min
        self.max = INT32[1] if max is None else max

    def validators(self):
        return [*super().validators(), Between(self.label, self.min, self.max)]

    def form_field(self, **options):
        message = f"{self.label} must be a whole number, for example 42."
        return wtforms.IntegerField(
            self.label, validators=self.validators(), invalid_value_message=message, description=self.help, **options
        )

    def json_schema(self):
        return self.nullable({"type": "integer", "minimum": self.min, "maximum": self.max, "title": self.label})


class DecimalField(ScalarField):
    """An exact decimal with at most ``places`` digits after the point and ``digits`` in all.

    Column: ``Numeric(digits, places)``, nullable (SQLite keeps it as a float: 15 significant digits are exact).
    """

    widget = "number"
    scaffold_type = "decimal"
    inputmode = "decimal"

    def __init__(self, name, label, *, min=None, max=None, places=2, digits=12, **options):
        super().__init__(name, label, **options)
        self.places, self.digits = places, digits
        bound = Decimal(10) ** (digits - places) - Decimal(10) ** -places
        self.min = -bound if min is None else Decimal(str(min))
        self.max = bound if max is None else Decimal(str(max))

    def validators(self):
        return [*super().validators(), Between(self.label, self.min, self.max), Places(self.label, self.places)]

    def form_field(self, **options):
        message = f"{self.label} must be a number, for example 12.50."
        return wtforms.DecimalField(
            self.label, validators=self.validators(), invalid_value_message=message, description=self.help, **options
        )

    def stored(self, data):
        return None if data is None else data.quantize(Decimal(10) ** -self.places)

    def to_json(self, value):
        return None if value is None else str(value)

    def json_schema(self):
        pattern = rf"^-?\d+(\.\d{{1,{self.places}}})?$"
        schema = {"type": "string", "format": "decimal", "pattern": pattern, "title": self.label}
        schema["description"] = f"A decimal number between {self.min} and {self.max}, as a string."
        return self.nullable(schema)


class BooleanField(ScalarField):
    """Yes or no, a checkbox (``required=True``: it must be ticked). Column: ``Boolean``, NOT NULL, ``server_default=sa.false()``."""

    filter_widget = "boolean"  # templates/resources/filters/<name>.html
    widget = "checkbox"
    scaffold_type = "bool"
    false_values = ("", "false", "0", "off", "no")

    def __init__(self, name, label, **options):
        options.setdefault("default", False)
        super().__init__(name, label, **options)

    def validators(self):
        return [Required(self.label)] if self.required else []

    def form_field(self, **options):
        return wtforms.BooleanField(
            self.label, validators=self.validators(), false_values=self.false_values, description=self.help, **options
        )

    def raw(self, data):
        return data.getlist(self.name) if hasattr(data, "getlist") else [data.get(self.name, "")]

    def initial(self, obj):
        return "y" if (self.default if obj is None else getattr(obj, self.name)) else ""

    def redisplay(self, data, values, actor=None, obj=None):
        return "y" if any(v not in self.false_values for v in self.raw(data)) else ""

    def stored(self, data):
        return bool(data)

    def text(self, value):
        return "Yes" if value else "No"

    def form_values(self, json_value):
        if json_value is None or json_value is False:
            return []
        if json_value is True:
            return ["y"]
        raise FieldError(f"{self.label} must be true or false.")

    def json_schema(self):
        return {"type": "boolean", "title": self.label}
