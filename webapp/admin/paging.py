"""Deep list pages in the back office: the page's ids first on the sort index, then its rows with their related rows.

Flask-Admin skips a deep page's rows with OFFSET while joining each skipped row's owner and
image (page 400 joins 10,000 owners to show 25). Here the OFFSET walks a narrow query
of primary keys with the list's search, filters and sort, and only the 25 rows it finds
are loaded with their joins: the same rows in the same order, one statement more.
"""

from sqlalchemy.orm import joinedload


def page_ids(query, key):
    """The primary keys of the page ``query`` (sorted, offset, limited) would return, in its order, without its joins."""
    return [row[0] for row in query.enable_eagerloads(False).with_entities(key)]


def rows_in_order(view, key, ids):
    """``view``'s rows with these ids, its related rows joined, in the order of ``ids``."""
    if not ids:
        return []
    query = view.get_query().options(*(joinedload(join) for join in view._auto_joins)).filter(key.in_(ids))
    by_id = {getattr(row, key.key): row for row in query}
    return [by_id[row_id] for row_id in ids if row_id in by_id]
