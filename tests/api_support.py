"""Checking API answers against the OpenAPI document (every /api answer the test client receives)."""

import json

from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException

from webapp.api import openapi

PARSED = "tests.openapi"


def document(app):
    """The app's OpenAPI document, parsed once per app."""
    if PARSED not in app.extensions:
        app.extensions[PARSED] = json.loads(openapi.dumps(app))
    return app.extensions[PARSED]


def documented_schema(app, method, path, status):
    """The schema the document promises for this answer (the Error schema for unrouted requests)."""
    doc = document(app)
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path, method, return_rule=True)
    except HTTPException:
        return {"$ref": "#/components/schemas/Error"}
    oapath, _ = openapi.path_of(rule)
    operation = doc["paths"][oapath][method.lower()]
    answer = operation["responses"].get(str(status))
    assert answer is not None, f"{method} {path} answered {status}, which its operation does not document"
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rpartition("/")[2]]
    return answer["content"]["application/json"]["schema"]


def check_api_response(app, response):
    """Fail when an /api answer is not JSON or does not match its documented schema."""
    request = response.request
    if not request.path.startswith("/api/") or request.path == "/api/docs" or request.method == "HEAD":
        return
    assert response.mimetype == "application/json", f"{request.method} {request.path}: {response.mimetype}"
    body = response.get_json()
    if request.path.endswith("/openapi.json"):
        return
    schema = documented_schema(app, request.method, request.path, response.status_code)
    rooted = {"components": document(app)["components"], "allOf": [schema]}
    checker = Draft202012Validator.FORMAT_CHECKER
    errors = sorted(Draft202012Validator(rooted, format_checker=checker).iter_errors(body), key=str)
    assert not errors, f"{request.method} {request.path} {response.status_code}: {errors[0].message} in {body}"
