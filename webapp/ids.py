"""Reading record ids from requests: ASCII digits within the database's 64-bit range, or nothing.

``str.isdigit()`` is true for ``²`` and ``①`` (which ``int()`` then refuses) and SQLite raises
on integers beyond 64 bits, so every id a client sends is read here and nowhere else.
"""

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**63 - 1
MAX_DIGITS = len(str(MAX_ID))


def parse_id(value):
    """The positive id ``value`` spells in ASCII digits, or None for anything else (text, signs, out of range)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdecimal() or len(value) > MAX_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values):
    """The valid ids among ``values``, in order, each once; the rest are ignored."""
    return list(dict.fromkeys(number for number in map(parse_id, values) if number is not None))


def _at_most(bound):
    """A regex for the strings of ``len(bound)`` digits whose value is at most ``bound``."""
    choices = [bound]
    for index, digit in enumerate(bound):
        if digit != "0":
            rest = len(bound) - index - 1
            choices.append(bound[:index] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join(choices)


class IdConverter(BaseConverter):
    """``<id:name>`` in a route: a record id, else the route does not match (a 404)."""

    # Exactly what parse_id reads (not all zeros, at most MAX_ID), so to_python never refuses: Werkzeug
    # checks a route's methods before its converters, and a refusal there made PATCH /x/0 a 405, not a 404.
    regex = r"(?!0+(?![0-9]))(?:[0-9]{1,%d}(?![0-9])|%s)" % (MAX_DIGITS - 1, _at_most(str(MAX_ID)))

    def to_python(self, value):
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))
