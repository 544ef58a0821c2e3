"""Reading text from clients: what counts as a control character, refused in stored text and dropped from searches.

Nobody types NUL, escape or a lone UTF-16 surrogate; PostgreSQL refuses NUL in text and no
database can encode a lone surrogate (a JSON body can carry one as ``"\\ud800"``). Tab, line
feed and carriage return are text: browsers send a textarea's line breaks as CRLF. Every
form field, the back office's forms, the API's bodies and the services that read text
directly use these definitions, so a value is refused the same way everywhere.
"""

import re

from wtforms.validators import ValidationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text):
    """True when ``text`` holds a character that is never typed (see the module's docstring)."""
    return isinstance(text, str) and CONTROL.search(text) is not None


def without_control_characters(text):
    """``text`` with those characters removed (search boxes: the rest of the text still means something)."""
    return CONTROL.sub("", text) if isinstance(text, str) else text


class PlainText:
    """A WTForms validator: no control characters, with a message naming the field."""

    def __init__(self, label=None):
        self.label = label

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(has_control_characters(value) for value in values):
            label = self.label or field.label.text
            raise ValidationError(f"{label} contains invisible control characters; please retype it.")
