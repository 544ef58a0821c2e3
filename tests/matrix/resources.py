"""Who may reach each declared resource's pages, derived from its declaration (no entry per model to write).

Every route ``webapp.resources.views.page_routes`` gives a resource gets a row: people who
may not use the app are sent away as everywhere; a top-level list and its "New" form are for
every approved person; a row, and a child's list, belong to the owner (of the row, or of its
parent): anyone else gets 404 on every route and method, administrators included (they have
/admin).
"""

from tests.declared import sample_form
from webapp.resources import RelationField
from webapp.resources.registry import discover
from webapp.resources.views import page_routes

from . import NOT_APPROVED, REDIRECT, Route, outcomes
from .world import declared_rows

EVERY_APPROVED = {"user": 200, "other_user": 200, "admin": 200}
OWNER_ONLY = {"user": 200, "other_user": 404, "admin": 404}
OWNER_CHANGES = {"user": REDIRECT, "other_user": 404, "admin": 404}
EVERY_APPROVED_CHANGES = {"user": REDIRECT, "other_user": REDIRECT, "admin": REDIRECT}


def expectations(resource):
    """{view name: (answers of the approved roles, request body)} for ``resource``'s page routes."""
    root = resource.parent is None
    form = lambda w: sample_form(resource)  # noqa: E731
    return {
        "index": (EVERY_APPROVED if root else OWNER_ONLY, None),
        "new": (EVERY_APPROVED if root else OWNER_ONLY, None),
        "create": (EVERY_APPROVED_CHANGES if root else OWNER_CHANGES, form),
        "show": (OWNER_ONLY, None),
        "edit": (OWNER_ONLY, None),
        "update": (OWNER_CHANGES, form),
        "confirm_delete": (OWNER_ONLY, None),
        "delete": (OWNER_CHANGES, None),
        "move": (OWNER_CHANGES, lambda w: {"direction": "down"}),
        "reorder": (OWNER_CHANGES, lambda w: {"ids": [declared_rows(w)[resource.name]]}),
        # A type-ahead offers only the asker's own rows: anyone approved may ask.
        "lookup": (EVERY_APPROVED, None),
    }


def arguments(resource, rule):
    """The URL arguments a route of ``resource`` takes, filled from the world's rows."""
    relation = next((f.name for f in resource.fields if isinstance(f, RelationField)), None)

    def args(w):
        found = {}
        if "<id:parent_id>" in rule:
            found["parent_id"] = declared_rows(w)[resource.parent.resource.name]
        if "<id:record_id>" in rule:
            found["record_id"] = declared_rows(w)[resource.name]
        if "<field_name>" in rule:
            found["field_name"] = relation
        return found

    return args


def declared_routes():
    routes = []
    for resource in discover():
        expected = expectations(resource)
        for rule, view, method in page_routes(resource):
            approved, data = expected[view]
            endpoint = f"{resource.name}.{view}"
            routes.append(
                Route(method, endpoint, outcomes(NOT_APPROVED, **approved), args=arguments(resource, rule), data=data)
            )
    return routes


ROUTES = declared_routes()
