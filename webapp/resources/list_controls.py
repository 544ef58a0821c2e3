"""A list's controls (search box, filters, sort), rendered once per list and order and reused.

Without filters chosen, the controls differ from one page to the next only by the search
text typed: they are rendered once with a placeholder in its place and the text (escaped)
put in afterwards. Filters whose choices depend on the viewer (relations) or chosen
filter values, and templates reloaded while developing, render ``_search.html`` as before.
"""

from dataclasses import replace

from flask import current_app, has_request_context, request
from jinja2 import pass_context
from markupsafe import Markup, escape

TEMPLATE = "resources/_search.html"
# Filters whose controls read only the declaration and the chosen values.
STATIC_FILTERS = frozenset({"choice", "range", "boolean"})
# A list's controls per (resource, parent page, scope, order): bounded for the parents' sake.
MAX_KEPT = 256
Q_PLACEHOLDER = "__hyperdesk_search_text__"


@pass_context
def kept_list_controls(context, resource, listing, parent):
    """The controls of this list as HTML, or None when ``_search.html`` must be rendered in place."""
    query = getattr(listing, "query", None)
    if query is None or query.filters or current_app.jinja_env.auto_reload or not has_request_context():
        return None
    if any(resource.field(name).filter_widget not in STATIC_FILTERS for name in resource.filters):
        return None
    key = (resource.name, getattr(parent, "id", None), listing.everyone, query.sort.key, request.script_root)
    kept = current_app.extensions.setdefault("kept_list_controls", {})
    html = kept.get(key)
    if html is None:
        shown = {"resource": resource, "parent": parent, "listing": replace(listing, q=Q_PLACEHOLDER)}
        html = context.environment.get_template(TEMPLATE).render({**context.get_all(), **shown})
        if resource.search and html.count(Q_PLACEHOLDER) != 1:  # the template changed: keep nothing
            return None
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = html
    return Markup(html.replace(Q_PLACEHOLDER, str(escape(listing.q))))
