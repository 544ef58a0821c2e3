"""Deep list pages in the back office: the page's ids first on the sort index, then its rows with their related rows.

Flask-Admin skips a deep page's rows with OFFSET while joining each skipped row's owner and
image (page 400 joins 10,000 owners to show 25). Here the OFFSET walks a narrow query
of primary keys with the list's search, filters and sort, and only the 25 rows it finds
are loaded with their joins: the same rows in the same order, one statement more.

Where the list is in its default order, newest first along the primary key, the pager's
"next" and "previous" links also carry the id the page ends (``after``) or starts
(``before``) at: following them reads the next 25 rows (with their joins, in one statement;
the way back its ids first) from the index where the last page stopped, so page 400 costs
what page 2 does. A page number alone (typed, bookmarked, or with
a cursor that is not an id) is still served by OFFSET.
"""

from flask import g, request
from sqlalchemy.orm import joinedload

from ..ids import parse_id

CURSOR_ARGS = ("after", "before")


def walks_the_key(view, key, sort_column, sort_desc):
    """Whether the list is ordered newest first along its primary key (the order cursors follow)."""
    if sort_column is None:
        return tuple(view.column_default_sort or ()) == (key.key, True)
    return sort_column == key.key and bool(sort_desc)


def read_cursor():
    """("after" | "before", id) from the list's URL, or None when absent or not an id."""
    for name in CURSOR_ARGS:
        value = parse_id(request.args.get(name))
        if value is not None:
            return name, value
    return None


def keyset_rows(query, key, cursor, page_size):
    """The rows of the page after ``cursor`` in one statement (its joins reach only the page's rows), or None.

    Only the way forward: the newest-first index is read from the cursor down and stops at a page, so the
    joined rows are those of the page alone. The way back reads the index upwards (``keyset_ids``).
    """
    direction, boundary = cursor
    if direction != "after":
        return None
    return query.filter(key < boundary).limit(page_size).all()


def keyset_ids(query, key, cursor, page_size):
    """The ids of the page that continues from ``cursor`` on the sorted, unpaginated ``query``, newest first."""
    direction, boundary = cursor
    ids = query.enable_eagerloads(False).with_entities(key)
    if direction == "after":
        return [row[0] for row in ids.filter(key < boundary).limit(page_size)]
    older_first = ids.filter(key > boundary).order_by(None).order_by(key.asc()).limit(page_size)
    return [row[0] for row in older_first][::-1]


def keyset_pager(view, page, rows):
    """The pager's URL builder: the next page continues after this page's last id, the previous one before its first."""
    args = view._get_list_extra_args()
    first, last = view.get_pk_value(rows[0]), view.get_pk_value(rows[-1])

    def url(number):
        extra = dict(args.extra_args)
        if number == page + 1:
            extra["after"] = last
        elif number == page - 1 and number > 0:
            extra["before"] = first
        return view._get_list_url(args.clone(page=number or None, extra_args=extra))

    return url


def remember_keyset_order():
    """Note for the page's pager that this list can continue by cursor."""
    g.admin_list_keyset = True


def keyset_order_noted():
    return g.get("admin_list_keyset", False)


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
