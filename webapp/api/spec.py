"""What each API operation documents: summary, parameters, body and answers (read by ``openapi.build``)."""

from dataclasses import dataclass, field

# Answers every authenticated operation may give besides its own.
COMMON_ERRORS = (400, 401, 403, 429)


@dataclass
class Operation:
    """The OpenAPI facts of one view; ``data`` and ``body`` are JSON Schemas (or None for no body)."""

    summary: str
    tag: str
    data: dict | None = None
    status: int = 200
    body: dict | None = None
    multipart: dict | None = None
    body_required: bool = True
    query: list = field(default_factory=list)
    errors: tuple = ()
    meta: dict | None = None
    public: bool = False
    description: str = ""
    # The view reads its query string itself, naming every problem at once (declared resources' lists).
    checks_own_query: bool = False
    # False when ``data`` is the whole answer, not wrapped in the success envelope (the OpenAPI document itself).
    enveloped: bool = True


def document(summary, tag, data=None, status=200, body=None, **options):
    """Attach an Operation to a view function: it answers ``status`` with ``data`` and takes ``body``."""

    def decorate(view):
        description = (view.__doc__ or "").strip()
        view.openapi = Operation(summary, tag, data, status, body, description=description, **options)
        return view

    return decorate


def query(name, schema, description, required=False):
    """A query parameter."""
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def obj(properties, required=None, **extra):
    """An object schema; every property required unless ``required`` says otherwise."""
    names = list(properties) if required is None else list(required)
    return {"type": "object", "properties": properties, "required": names, **extra}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def array(items):
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE_TIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1}
