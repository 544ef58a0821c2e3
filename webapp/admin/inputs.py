"""What the back office reads from the browser, read defensively: ids, page numbers, search text, filters and forms.

Flask-Admin hands these to the database as they come, so ``?id=abc`` or ``?page=-5`` on
PostgreSQL, an id beyond 64 bits on SQLite, an unknown enum name in a filter, or NUL
anywhere were 500s. Each is read here the way the pages read them: ids through
``webapp/ids.py``, text through ``webapp/text.py``; a value that cannot be used is dropped
(with the message Flask-Admin shows for a bad filter) or is "record does not exist".
"""

import functools

from flask_admin.model.fields import AjaxSelectField
from sqlalchemy import BigInteger, Integer, SmallInteger, Unicode, inspect, or_
from sqlalchemy import cast as sql_cast
from wtforms import IntegerField, StringField, ValidationError
from wtforms.fields.core import UnboundField

from ..extensions import db
from ..ids import MAX_ID, parse_id, parse_ids
from ..text import PlainText, has_control_characters, without_control_characters

MAX_SEARCH_LENGTH = 100
# The bits PostgreSQL stores in each integer type (SQLite stores 64 in any): its subclasses before Integer.
INTEGER_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))
# What a picker sends for "none": an empty value, or Flask-Admin's blank choice.
BLANK_PICKS = ("", "__None")


def like_pattern(term):
    """``%term%`` where ``%``, ``_`` and ``\\`` typed by the user match themselves (escape ``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _usable(value):
    """False for a filter's cleaned value that the database cannot take: text with NUL, integers beyond 64 bits."""
    if isinstance(value, list | tuple | set):
        return all(_usable(item) for item in value)
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) <= MAX_ID
    return not has_control_characters(value) if isinstance(value, str) else True


def _validates(flt, value):
    """Whether the filter ``flt`` can use ``value`` as the browser sent it."""
    if has_control_characters(value):
        return False
    try:
        return _usable(flt.clean(value))
    except (KeyError, ValueError, TypeError, OverflowError):
        return False


class PickedRecord:
    """A WTForms validator for an optional picker: empty means none; anything else must be a record it finds.

    Flask-Admin's AjaxSelectField reads an id its loader cannot find ("99999", "abc") as no record,
    which an optional picker then stores: a cover removed (and its image deleted) by a typo.
    """

    def __call__(self, form, field):
        if field.data is None and field.raw_data and field.raw_data[0] not in BLANK_PICKS:
            raise ValidationError("No such record.")


class WholeNumberRange:
    """A WTForms validator: an integer its column can hold, instead of the driver's overflow error on save."""

    def __init__(self, bits):
        self.low, self.high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def __call__(self, form, field):
        if field.data is not None and not self.low <= field.data <= self.high:
            raise ValidationError(f"Enter a whole number between {self.low} and {self.high}.")


def integer_bits(model, name):
    """How many bits the column behind the form field ``name`` holds (64 for a field without a column)."""
    attribute = inspect(model).column_attrs.get(name)
    column_type = attribute.columns[0].type if attribute is not None else BigInteger()
    return next((bits for kind, bits in INTEGER_BITS if isinstance(column_type, kind)), 64)


def _validators(unbound):
    """The unbound field's validators, given by name or, as WTForms also takes them, second by position."""
    return list((unbound.args[1] if len(unbound.args) > 1 else unbound.kwargs.get("validators")) or [])


def _with_validator(unbound, validator):
    validators = [*_validators(unbound), validator]
    if len(unbound.args) > 1:
        unbound.args = (unbound.args[0], validators, *unbound.args[2:])
    else:
        unbound.kwargs["validators"] = validators


def _with_parsed_ids(handler):
    """The action ``handler``, given only the well-formed ids among those ticked (as the strings it expects)."""

    @functools.wraps(handler)
    def handle(ids):
        return handler([str(number) for number in parse_ids(ids)])

    return handle


class ClientInputMixin:
    """Reads ids, paging, search, filters, action rows and form text safely (mixed into every model view)."""

    def get_one(self, id):
        number = parse_id(str(id)) if id is not None else None
        # Flask-Admin answers None with "Record does not exist." and the list. The number, not
        # the text, goes to the database: PostgreSQL refuses '99999999999' for an integer column.
        return None if number is None else db.session.get(self.model, number)

    def init_actions(self):
        super().init_actions()
        for name, (handler, text, confirmation) in list(self._actions_data.items()):
            self._actions_data[name] = (_with_parsed_ids(handler), text, confirmation)

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if args.page is not None:
            args.page = max(0, min(args.page, MAX_ID // max(self.page_size_options or (self.page_size,))))
        if args.search:
            args.search = without_control_characters(args.search).strip()[:MAX_SEARCH_LENGTH]
        return args

    def _refresh_filters_cache(self):
        super()._refresh_filters_cache()
        for flt in self._filters or ():
            # Flask-Admin drops a filter value (with its "Invalid Filter Value" message) when
            # validate() says so; its own validate() lets KeyError (an unknown enum name) escape.
            flt.validate = functools.partial(_validates, flt)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        # Flask-Admin's own search passes % and _ through as wildcards; the pages match them literally.
        for term in search.split():
            pattern = like_pattern(term)
            clauses, count_clauses = [], []
            for field, path in self._search_fields:
                query, joins, alias = self._apply_path_joins(query, joins, path, inner_join=False)
                column = field if alias is None else getattr(alias, field.key)
                clauses.append(sql_cast(column, Unicode).ilike(pattern, escape="\\"))
                if count_query is not None:
                    count_query, count_joins, count_alias = self._apply_path_joins(
                        count_query, count_joins, path, inner_join=False
                    )
                    column = field if count_alias is None else getattr(count_alias, field.key)
                    count_clauses.append(sql_cast(column, Unicode).ilike(pattern, escape="\\"))
            query = query.filter(or_(*clauses))
            if count_query is not None:
                count_query = count_query.filter(or_(*count_clauses))
        return query, count_query, joins, count_joins

    def scaffold_form(self):
        # Flask-Admin's own fields; a view's declared fields (declared.py) come with their own checks.
        form_class = super().scaffold_form()
        for name, unbound in _unbound_fields(form_class):
            if issubclass(unbound.field_class, StringField):
                _with_validator(unbound, PlainText(str(unbound.kwargs.get("label") or self.get_column_name(name))))
            elif issubclass(unbound.field_class, AjaxSelectField) and unbound.kwargs.get("allow_blank"):
                _with_validator(unbound, PickedRecord())  # a required picker refuses an unknown id itself
        return form_class

    def get_form(self):
        # Every integer field, those a view adds to Flask-Admin's included (declared.py): once per form class.
        form_class = super().get_form()
        for name, unbound in _unbound_fields(form_class):
            if issubclass(unbound.field_class, IntegerField) and not any(
                isinstance(validator, WholeNumberRange) for validator in _validators(unbound)
            ):
                _with_validator(unbound, WholeNumberRange(integer_bits(self.model, name)))
        return form_class


def _unbound_fields(form_class):
    return [(name, value) for name, value in vars(form_class).items() if isinstance(value, UnboundField)]
