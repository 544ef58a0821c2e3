"""The API of every declared resource, generated from its declaration and served by the pages' own engine.

Reading goes through ``resources.queries`` (only the user's rows; another person's id is a
404 on every method) and writing through ``resources.writes`` (the same field checks, audit
and positions as the pages), so pages and API cannot disagree.
"""

from flask import request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import ObjectDeletedError

from ..exceptions import InvalidInput
from ..ids import parse_ids
from ..resources import queries, writes
from ..services.settings import page_size
from . import body, lists, schemas
from .envelope import success

DIRECTIONS = ("up", "down")


class ResourceApi:
    """The view functions of one resource's API; ``routes`` says where each is served."""

    def __init__(self, resource):
        self.resource = resource

    def _actor(self):
        return current_user._get_current_object()

    def _parent(self, parent_id):
        return queries.get_owned(self.resource.parent.resource, parent_id, current_user)

    def _record(self, record_id):
        return queries.get_owned(self.resource, record_id, current_user)

    def to_json(self, obj):
        """The row as the API shows it: id, owner or parent, position, each field, timestamps."""
        resource = self.resource
        data = {"id": obj.id}
        for name in schemas.reference_columns(resource):
            data[name] = getattr(obj, name)
        for form_field in resource.fields:
            data[form_field.name] = form_field.to_json(getattr(obj, form_field.name))
        for name in schemas.timestamps(resource):
            data[name] = getattr(obj, name)
        return data

    def _written(self, obj):
        """The row a write just committed, as the API shows it.

        writes.create and writes.update keep what they stored loaded, so this reads no row; a
        move's new position is read again, and another request may have deleted the row by then.
        """
        try:
            return self.to_json(obj)
        except ObjectDeletedError:
            raise writes.gone(self.resource) from None

    def index(self, parent_id=None):
        """One page of the rows: searched, filtered and sorted as the query string says (hand-ordered lists: all rows in order)."""
        parent = self._parent(parent_id) if parent_id is not None else None
        asked = lists.read(self.resource, request.args, page_size(current_user))
        everyone = bool(asked.everyone and parent is None and self.resource.owner and current_user.is_admin)
        parent_obj = parent and parent.obj
        found = queries.listing(
            self.resource,
            current_user,
            parent_obj,
            size=asked.limit,
            everyone=everyone,
            query=asked.query,
            owners=False,
        )
        next_cursor = str(found.next_after) if found.next_after is not None else None
        return success([self.to_json(obj) for obj in found.rows], meta={"next": next_cursor, "limit": asked.limit})

    def create(self, parent_id=None):
        """Create a row from the body, checked like the page's form."""
        parent = self._parent(parent_id) if parent_id is not None else None
        values = body.resource_values(self.resource, self._actor())
        obj = writes.create(self.resource, values, self._actor(), parent and parent.obj)
        location = url_for(f"api.{self.resource.name}_show", record_id=obj.id, _external=True)
        return success(self._written(obj), 201, headers={"Location": location})

    def show(self, record_id):
        """One row."""
        return success(self.to_json(self._record(record_id).obj))

    def update(self, record_id):
        """Change the members the body names; the others keep their values."""
        record = self._record(record_id)
        values = body.resource_values(self.resource, self._actor(), record.obj)
        writes.update(self.resource, record.obj, values, self._actor(), via="api")
        return success(self._written(record.obj))

    def delete(self, record_id):
        """Delete the row and everything it contains."""
        record = self._record(record_id)
        writes.delete(self.resource, record.obj, self._actor())
        return success({"id": record_id, "deleted": True})

    def reorder(self, parent_id):
        """Put the rows in the order of ``ids`` (ids of other rows are ignored; unlisted rows follow)."""
        parent = self._parent(parent_id)
        ids = body.only(body.json_object(), ["ids"]).get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise InvalidInput("Please correct the highlighted fields.", {"ids": "Send the ids as a list of integers."})
        moved = writes.reorder(self.resource, parent.obj, parse_ids([str(i) for i in ids]), self._actor())
        rows = queries.listing(self.resource, current_user, parent.obj).rows
        return success([self.to_json(obj) for obj in rows], meta={"moved": moved})

    def move(self, record_id):
        """Move the row one place up or down."""
        record = self._record(record_id)
        direction = body.only(body.json_object(), ["direction"]).get("direction")
        if direction not in DIRECTIONS:
            raise InvalidInput("Please correct the highlighted fields.", {"direction": "Use up or down."})
        moved = writes.move(self.resource, record.obj, direction, self._actor())
        return success(self._written(record.obj), meta={"moved": moved})

    def routes(self):
        """(rule, endpoint, view, method) for each operation of this resource."""
        name = self.resource.name
        parent = self.resource.parent
        collection = f"/v1/{parent.resource.name}/<id:parent_id>/{name}" if parent else f"/v1/{name}"
        member = f"/v1/{name}/<id:record_id>"
        found = [
            (collection, "index", "GET"),
            (collection, "create", "POST"),
            (member, "show", "GET"),
            (member, "update", "PATCH"),
            (member, "delete", "DELETE"),
        ]
        if self.resource.positioned:
            found += [(f"{collection}/order", "reorder", "PUT"), (f"{member}/move", "move", "POST")]
        return [(rule, f"{name}_{view}", getattr(self, view), method) for rule, view, method in found]


def register(bp, registry):
    """Serve every resource of ``registry`` on the API blueprint, each view documented from its declaration."""
    for resource in registry.resources.values():
        api = ResourceApi(resource)
        for rule, endpoint, view, method in api.routes():
            bp.add_url_rule(rule, endpoint, schemas.documented(resource, view, method), methods=[method])
