"""WTForms validators the declared fields share, and the one place a field's WTForms definition reads values.

Every field builds an unbound WTForms field (``Field.form_field()``); the pages, the back
office and the API all read submitted strings through it, so a value is accepted or
refused the same way everywhere.
"""

import unicodedata
from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms.form import BaseForm
from wtforms.validators import InputRequired, StopValidation, ValidationError

from ..exceptions import FieldError

# One definition of control characters for every surface (webapp/text.py); importable from here as before.
from ..text import CONTROL, PlainText  # noqa: F401


def strip(value):
    """A WTForms filter: trim surrounding blanks from a string value."""
    return value.strip() if isinstance(value, str) else value


def is_blank(raw_data):
    return not raw_data or all(isinstance(v, str) and not v.strip() for v in raw_data)


class Required(InputRequired):
    """Refuse a missing or blank value with ``<label> is required.``; keeps later validators from repeating it.

    An ``InputRequired`` to form renderers (the back office marks the field required), with its own rule.
    """

    def __init__(self, label):
        super().__init__(f"{label} is required.")

    def __call__(self, form, field):
        if field.process_errors and not is_blank(field.raw_data):
            raise StopValidation()  # the value could not be read: that message says more
        data = field.data
        if is_blank(field.raw_data) or data is None or data is False or (isinstance(data, str | list) and not data):
            field.errors[:] = []
            raise StopValidation(self.message)


class Optional:
    """An empty value is no value: stop checking and store None (or the field's empty value)."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if is_blank(field.raw_data):
            field.errors[:] = []
            raise StopValidation()


class MaxLength:
    """At most ``limit`` characters, saying how many were typed."""

    def __init__(self, label, limit):
        self.label, self.limit = label, limit
        self.field_flags = {"maxlength": limit}  # rendered as the input's maxlength

    def __call__(self, form, field):
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(f"{self.label} is too long: at most {self.limit} characters (you wrote {length}).")


class Between:
    """A number within ``[minimum, maximum]`` (either may be None), with a message naming the bounds."""

    def __init__(self, label, minimum=None, maximum=None):
        self.label, self.minimum, self.maximum = label, minimum, maximum

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if isinstance(value, Decimal) and not value.is_finite():
            raise StopValidation(f"{self.label} must be a number.")
        low = self.minimum is not None and value < self.minimum
        high = self.maximum is not None and value > self.maximum
        if not (low or high):
            return
        if self.minimum is not None and self.maximum is not None:
            raise ValidationError(f"{self.label} must be between {self.minimum} and {self.maximum}.")
        if low:
            raise ValidationError(f"{self.label} must be at least {self.minimum}.")
        raise ValidationError(f"{self.label} must be at most {self.maximum}.")


class Places:
    """A decimal with at most ``places`` digits after the point."""

    def __init__(self, label, places):
        self.label, self.places = label, places

    def __call__(self, form, field):
        value = field.data
        if isinstance(value, Decimal) and value.is_finite() and -value.as_tuple().exponent > self.places:
            raise ValidationError(f"{self.label} takes at most {self.places} digits after the point.")


def normalised(text):
    """Text in Unicode NFC, so the same word typed on two keyboards is stored alike."""
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text


def run(name, unbound, values):
    """Bind ``unbound`` as ``name``, read ``values`` (the submitted strings) and validate.

    Returns the field's data, or raises FieldError with the first message (WTForms messages are written for people).
    """
    form = BaseForm({name: unbound})
    form.process(MultiDict([(name, value) for value in values]))
    if not form.validate():
        raise FieldError(form.errors[name][0])
    return form[name].data
