"""JSON Schemas of declared resources and the OpenAPI operations of their generated views."""

import functools

from sqlalchemy import inspect

from ..resources.relations import RelationField, TagsField
from ..resources.typed import BooleanField, DateField, DateTimeField
from ..wording import with_article
from .spec import DATE_TIME, ID, INTEGER, Operation, array, obj, query

TIMESTAMPS = ("created_at", "updated_at")
# What a date-time field also reads without an offset (webapp/resources/typed.py: LOCAL_FORMATS).
LOCAL_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"


def reference_columns(resource):
    """The ids a row shows besides its own: its owner (or parent), and its position when hand-ordered."""
    names = [resource.owner or resource.parent.fk]
    if resource.positioned:
        names.append(resource.order.column)
    return names


def timestamps(resource):
    columns = inspect(resource.model).columns
    return [name for name in TIMESTAMPS if name in columns]


def component(resource):
    """The name of the resource's row schema in the document (``Project``, ``Specification``...)."""
    return resource.model.__name__


def row_schema(resource):
    """A row as the API sends it."""
    properties = {"id": ID}
    for name in reference_columns(resource):
        properties[name] = INTEGER
    for form_field in resource.fields:
        properties[form_field.name] = form_field.json_schema()
    for name in timestamps(resource):
        properties[name] = DATE_TIME
    return obj(properties, additionalProperties=False, title=resource.singular.capitalize())


def input_schema(resource, partial=False):
    """A body creating (or, ``partial``, changing) a row: the declared fields; unset ones take their default."""
    properties = {f.name: request_property(f) for f in resource.fields}
    required = [] if partial else [f.name for f in resource.fields if f.required and not f.default]
    return obj(properties, required)


def request_property(form_field):
    """A field's value in a request: as answered, except that a date-time may also be a local time."""
    schema = form_field.json_schema()
    if not isinstance(form_field, DateTimeField):
        return schema
    local = {"type": "string", "pattern": LOCAL_TIME, "description": "A local time, read in your time zone."}
    moments = [{"type": "string", "format": "date-time"}, local] + ([] if form_field.required else [{"type": "null"}])
    return {"title": form_field.label, "anyOf": moments}


def multipart_schema(resource):
    """The same body as multipart/form-data: a file part for each file or image field, the others as text parts."""
    return obj({f.name: multipart_property(f) for f in resource.fields}, [])


def multipart_property(form_field):
    """One field as a multipart part: a file, repeated parts for tags, an id for a relation, else its JSON value as text."""
    if form_field.multipart:
        description = "The file; an empty part removes the current one."
        return {"type": "string", "contentMediaType": "application/octet-stream", "description": description}
    if isinstance(form_field, TagsField):
        return {**form_field.json_schema(), "description": "One part per value (or values separated by commas)."}
    if isinstance(form_field, RelationField):
        return {"type": "integer", "minimum": 1, "title": form_field.label, "description": "The related row's id."}
    return request_property(form_field)


def _ref(resource):
    return {"$ref": f"#/components/schemas/{component(resource)}"}


def _list_query(resource):
    params = []
    # A hand-ordered list is not paged: every row comes at once, in order (lists.parameter_names).
    if not resource.positioned:
        params.append(
            query(
                "limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Rows per page (default: your page size)."
            )
        )
        params.append(
            query("after", {"type": "string"}, "The cursor from the previous page's meta.next (with the same sort).")
        )
    if resource.search:
        params.append(query("q", {"type": "string", "maxLength": 100}, f"Search in {', '.join(resource.search)}."))
    if resource.owner:
        params.append(
            query("scope", {"enum": ["mine", "all"]}, "Administrators: all lists every owner's rows (default mine).")
        )
    if resource.sorts:
        orders = "; ".join(f"{sort.key}: {sort.label}" for sort in resource.sorts)
        schema = {"enum": [sort.key for sort in resource.sorts], "default": resource.default_sort.key}
        params.append(query("sort", schema, f"The order: {orders}."))
    for name in resource.filters:
        params += filter_parameters(resource.field(name))
    return params


def filter_parameters(form_field):
    """The query parameters of one declared filter, typed as the field is."""
    name, label = form_field.name, form_field.label
    if isinstance(form_field, DateField | DateTimeField):
        day = {"type": "string", "format": "date"}
        whole_days = " (whole days in your time zone)" if isinstance(form_field, DateTimeField) else ""
        return [
            query(f"{name}_from", day, f"Only rows whose {label.lower()} is on or after this day{whole_days}."),
            query(f"{name}_to", day, f"Only rows whose {label.lower()} is on or before this day{whole_days}."),
        ]
    if isinstance(form_field, BooleanField):
        return [query(name, {"type": "boolean"}, f"Only rows whose {label.lower()} is true, or false.")]
    if isinstance(form_field, RelationField):
        return [query(name, ID, f"Only rows whose {label.lower()} is the row with this id.")]
    values = [value for value, _ in form_field.choices]
    return [query(name, {"enum": values}, f"Only rows whose {label.lower()} is this value.")]


def operation(resource, view, method):
    """The OpenAPI facts of one generated view."""
    tag, one, many = resource.plural.capitalize(), with_article(resource.singular), resource.plural
    row, rows = _ref(resource), array(_ref(resource))
    multipart = multipart_schema(resource) if resource.multipart else None
    cursor = obj({"next": {"type": ["string", "null"]}, "limit": INTEGER})
    if resource.positioned:
        whole = "Your page size setting; this hand-ordered list is not paged and answers every row."
        cursor = obj({"next": {"type": "null"}, "limit": {**INTEGER, "description": whole}})
    moved = obj({"moved": {"type": "boolean"}})
    # A file field's image may find the server decoding as many images as it may (uploads/decoding.py).
    writes = (404, 413, 415, 422, 503) if resource.multipart else (404, 413, 415, 422)
    facts = {
        "index": Operation(f"List {many}", tag, rows, query=_list_query(resource), meta=cursor, errors=(404, 422)),
        "create": Operation(f"Create {one}", tag, row, 201, input_schema(resource), multipart, errors=writes),
        "show": Operation(f"Get {one}", tag, row, errors=(404,)),
        "update": Operation(
            f"Change {one}",
            tag,
            row,
            body=input_schema(resource, True),
            multipart=multipart,
            errors=writes,
        ),
        "delete": Operation(f"Delete {one}", tag, obj({"id": ID, "deleted": {"const": True}}), errors=(404,)),
        "reorder": Operation(
            f"Order the {many}",
            tag,
            rows,
            body=obj({"ids": array(ID)}, additionalProperties=False),
            meta=moved,
            errors=(404, 415, 422),
        ),
        "move": Operation(
            f"Move {one} up or down",
            tag,
            row,
            body=obj({"direction": {"enum": ["up", "down"]}}, additionalProperties=False),
            meta=moved,
            errors=(404, 415, 422),
        ),
    }
    found = facts[view.__name__]
    found.description = (view.__doc__ or "").strip()
    found.checks_own_query = view.__name__ == "index"  # lists.read
    return found


def documented(resource, view, method):
    """``view`` as a plain function carrying its OpenAPI facts (a bound method cannot hold attributes)."""

    @functools.wraps(view)
    def serve(**kwargs):
        return view(**kwargs)

    serve.openapi = operation(resource, view, method)
    return serve
