"""What the back office reads from the browser, read defensively: ids, page numbers, search text, filters and forms.

Flask-Admin hands these to the database as they come, so ``?id=abc`` or ``?page=-5`` on
PostgreSQL, an id beyond 64 bits on SQLite, an unknown enum name in a filter, or NUL
anywhere were 500s. Each is read here the way the pages read them: ids through
``webapp/ids.py``, text through ``webapp/text.py``; a value that cannot be used is dropped
(with the message Flask-Admin shows for a bad filter) or is "record does not exist".
"""

import functools

from sqlalchemy import Unicode, or_
from sqlalchemy import cast as sql_cast
from wtforms import StringField
from wtforms.fields.core import UnboundField

from ..extensions import db
from ..ids import MAX_ID, parse_id, parse_ids
from ..text import PlainText, has_control_characters, without_control_characters

MAX_SEARCH_LENGTH = 100


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
        form_class = super().scaffold_form()
        for name, unbound in vars(form_class).items():
            if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, StringField):
                validators = list(unbound.kwargs.get("validators") or [])
                label = unbound.kwargs.get("label") or self.get_column_name(name)
                unbound.kwargs["validators"] = [*validators, PlainText(str(label))]
        return form_class
