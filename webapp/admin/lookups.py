"""AJAX pickers for related records: type a few letters, get ten matches, never a list of every row."""

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from sqlalchemy import String, cast, or_

from ..extensions import db
from ..ids import MAX_ID, parse_id
from ..text import without_control_characters
from .formatters import label
from .inputs import MAX_SEARCH_LENGTH, like_pattern

PAGE_SIZE = 10
MAX_PAGE_SIZE = 50


class RecordLookup(QueryAjaxModelLoader):
    """Finds records whose ``fields`` contain the typed text and names them the way lists do."""

    def format(self, model):
        if model is None:
            return None
        return model.id, f"{label(model)} (#{model.id})"

    def get_one(self, pk):
        # The picked id comes from the browser: anything but an id is no record (not a database error).
        number = parse_id(str(pk)) if pk is not None else None
        return None if number is None else super().get_one(number)

    def get_list(self, term, offset=0, limit=PAGE_SIZE):
        """Up to ``limit`` records whose fields contain ``term`` as typed (``%`` and ``_`` included)."""
        # Offset, page size and text come from the browser: bounded, no NUL, no wildcards.
        offset = min(max(offset or 0, 0), MAX_ID)
        limit = min(max(limit or PAGE_SIZE, 1), MAX_PAGE_SIZE)
        pattern = like_pattern(without_control_characters(term or "").strip()[:MAX_SEARCH_LENGTH])
        matches = (cast(field, String).ilike(pattern, escape="\\") for field in self._cached_fields)
        query = self.get_query().filter(or_(*matches))
        if self.order_by:
            query = query.order_by(self.order_by)
        return query.offset(offset).limit(limit).all()


def lookup(name, model, *fields):
    """A picker for the ``name`` relation, searching ``fields`` of ``model``."""
    return RecordLookup(
        name, db, model, fields=list(fields), page_size=PAGE_SIZE, minimum_input_length=1, placeholder="Type to search…"
    )
