"""The OpenAPI 3.1 document, built from the routes the API serves and the facts each view documents.

Every path comes from ``app.url_map`` (so the document lists exactly the routes that
exist) and every schema from a declaration or a view's ``Operation`` (webapp/api/spec.py).
"""

import json
import re

from .envelope import CODES
from .schemas import component, row_schema
from .spec import COMMON_ERRORS, STRING, obj

PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
CACHE_KEY = "api.openapi"

ERROR = {
    "type": "object",
    "properties": {
        "success": {"const": False},
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "A stable, machine-readable name: " + ", ".join(CODES.values()),
                },
                "message": {"type": "string", "description": "What went wrong, in words a person can act on."},
                "details": {
                    "type": "object",
                    "description": "Messages for each field or parameter at fault.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "account_status": {"enum": ["pending", "rejected", "suspended"]},
                "links": {"type": "object", "additionalProperties": {"type": "string"}},
                "token": {"type": "object", "description": "A token to ask for access with (not_approved only)."},
            },
            "required": ["code", "message", "details"],
        },
        "timestamp": {"type": "string", "format": "date-time"},
    },
    "required": ["success", "error", "timestamp"],
}
# What a reader of the interactive docs needs before the first call (Markdown, as Swagger UI shows it).
DESCRIPTION = """Everything an approved person does in the pages, and the approval queue's decisions, under the same rules.

**Credentials.** Send a personal API key (`hdk_…`, made on your settings page) as `Authorization: Bearer <key>`;
a read-only key is refused any change (403). An app that signs people in with Google exchanges their ID token at
`POST /api/v1/auth/google` for a 24-hour token (`hdt_…`). From the app's own pages the session cookie works too,
with the `X-CSRFToken` header on changes.

**Answers.** Every answer is JSON: `{"success": true, "data": …, "meta": …}`, or
`{"success": false, "error": {"code", "message", "details"}}` with a stable `code` and, for refused values,
a message for each field in `details`.

**Lists** are newest first (or in the `sort` asked for) and paged by cursor: pass `meta.next` as `after`
with the same `q`, filters and `sort`; `limit` is 1–100."""
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API key (hdk_…, from your settings page) or a token from POST /api/v1/auth/google (hdt_…).",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "hyperdesk_session",
        "description": "The app's own pages: changes also need the X-CSRFToken header.",
    },
}


def envelope(data, meta=None):
    """The success envelope around ``data``."""
    return obj(
        {
            "success": {"const": True},
            "data": data if data is not None else {"type": "null"},
            "meta": meta or {"type": "object"},
            "timestamp": {"type": "string", "format": "date-time"},
        }
    )


def path_of(rule):
    """The OpenAPI path of a Flask rule, and its path parameters."""
    parameters = []
    for match in PARAMETER.finditer(rule.rule):
        converter, options, name = match.group("converter"), match.group("options"), match.group("name")
        schema = {"type": "integer", "minimum": 1} if converter == "id" else dict(STRING)
        if converter == "any":
            schema = {"enum": [option.strip() for option in options.split(",")]}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return PARAMETER.sub(lambda m: "{" + m.group("name") + "}", rule.rule), parameters


def operation_object(endpoint, method, facts, path_parameters):
    """One OpenAPI operation from a view's facts."""
    schema = envelope(facts.data, facts.meta) if facts.enveloped else facts.data
    success_content = {"application/json": {"schema": schema}}
    responses = {str(facts.status): {"description": facts.summary, "content": success_content}}
    errors = set(facts.errors) | ({400, 429} if facts.public else set(COMMON_ERRORS)) | {500}
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    result = {
        "operationId": endpoint.replace(".", "_") + ("" if method == "GET" else f"_{method.lower()}"),
        "summary": facts.summary,
        "tags": [facts.tag],
        "parameters": path_parameters + facts.query,
        "responses": responses,
    }
    if facts.description:
        result["description"] = facts.description
    if facts.public:
        result["security"] = []
    content = {}
    if facts.body is not None:
        content["application/json"] = {"schema": facts.body}
    if facts.multipart is not None:
        content["multipart/form-data"] = {"schema": facts.multipart}
    if content:
        result["requestBody"] = {
            "required": method not in ("POST",) or facts.body.get("required") != [],
            "content": content,
        }
    return result


def build(app):
    """The whole document for ``app``."""
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.docs":
            continue
        view = app.view_functions[rule.endpoint]
        path, parameters = path_of(rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = operation_object(
                rule.endpoint, method, view.openapi, parameters
            )
    resources = app.extensions["resources"].resources.values()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hyperdesk API",
            "version": app.config["VERSION"],
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, **{component(r): row_schema(r) for r in resources}},
            "responses": {
                str(status): {
                    "description": code.replace("_", " "),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                for status, code in CODES.items()
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def dumps(app):
    """The document as JSON text, built once per app (routes and declarations do not change while it runs)."""
    if CACHE_KEY not in app.extensions:
        app.extensions[CACHE_KEY] = json.dumps(build(app), indent=1)
    return app.extensions[CACHE_KEY]
