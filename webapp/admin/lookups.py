"""AJAX pickers for related records: type a few letters, get ten matches, never a list of every row."""

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader

from ..extensions import db
from .formatters import label

PAGE_SIZE = 10
MAX_PAGE_SIZE = 50


class RecordLookup(QueryAjaxModelLoader):
    """Finds records whose ``fields`` contain the typed text and names them the way lists do."""

    def format(self, model):
        if model is None:
            return None
        return model.id, f"{label(model)} (#{model.id})"

    def get_list(self, term, offset=0, limit=PAGE_SIZE):
        # The page size comes from the browser: cap it so no request can ask for every row.
        return super().get_list(term, max(offset or 0, 0), min(max(limit or PAGE_SIZE, 1), MAX_PAGE_SIZE))


def lookup(name, model, *fields):
    """A picker for the ``name`` relation, searching ``fields`` of ``model``."""
    return RecordLookup(name, db, model, fields=list(fields), page_size=PAGE_SIZE, minimum_input_length=1, placeholder="Type to search…")
