"""The OpenAPI document: valid 3.1, exactly the API's routes, generated from declarations; the docs page under the CSP."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.api_support import document
from tests.declared import app_declaring
from tests.plugins.api import ApiCaller, make_key
from webapp.api import openapi
from webapp.models import User
from webapp.resources import ChoiceField, Resource, TextField


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_the_documents_paths_are_exactly_the_apis_routes(app):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
            path, _ = openapi.path_of(rule)
            served |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document(app)["paths"].items() for method in item}
    assert documented == served


def test_every_operation_documents_its_errors_and_server_failure(app):
    for path, item in document(app)["paths"].items():
        for method, operation in item.items():
            assert {"400", "429", "500"} <= set(operation["responses"]), f"{method} {path}"
            if operation.get("security") != []:
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_declared_lengths_choices_and_required_fields_reach_the_schemas(app):
    schemas = document(app)["components"]["schemas"]
    create = document(app)["paths"]["/api/v1/projects"]["post"]["requestBody"]["content"]
    assert schemas["Project"]["properties"]["name"]["maxLength"] == 200
    assert schemas["Project"]["properties"]["status"]["enum"] == ["draft", "active", "on_hold", "done"]
    assert create["application/json"]["schema"]["required"] == ["name"]
    assert "multipart/form-data" in create


class ThrowawayBase(DeclarativeBase):
    """Metadata of its own: the app's schema and the migrations check never see this table."""


class Gadget(ThrowawayBase):
    """A model declared in a test: it gets its API with no extra code."""

    __tablename__ = "test_api_gadget"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(User.__table__.c.id, ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    size: Mapped[str] = mapped_column(String(5), default="s")


GADGETS = Resource(
    model=Gadget,
    name="gadgets",
    singular="gadget",
    plural="gadgets",
    owner="owner_id",
    title="label",
    fields=[
        TextField("label", "Label", required=True, max_length=40),
        ChoiceField("size", "Size", choices=[("s", "Small"), ("l", "Large")]),
    ],
)


@pytest.fixture
def gadgets_app(app_config, monkeypatch):
    """An app whose declarations include gadgets, with the table made for this test only."""
    with app_declaring(app_config, monkeypatch, [GADGETS], ThrowawayBase.metadata) as gadgets_app:
        yield gadgets_app


def test_a_newly_declared_resource_gets_its_api_and_schema(gadgets_app, app, approved_user):
    spec = document(gadgets_app)
    validate(spec)
    assert spec["components"]["schemas"]["Gadget"]["properties"]["size"]["enum"] == ["s", "l"]
    caller = ApiCaller(gadgets_app.test_client(), make_key(approved_user))
    created = caller.post("/api/v1/gadgets", json={"label": "Lamp", "size": "l"})
    assert created.status_code == 201
    assert caller.get("/api/v1/gadgets").get_json()["data"][0]["label"] == "Lamp"


def test_the_docs_page_loads_swagger_ui_from_this_site_under_the_csp(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag and 'src="/static/' in tag for tag in scripts)
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))
    assert client.get("/static/vendor/swagger-ui-5.32.0/swagger-ui-bundle.js").status_code == 200


# Black-box sweep F7e: the document said its own answer came in the success envelope; it is the bare document.
def test_the_document_describes_itself_as_served(client, app):
    schema = document(app)["paths"]["/api/v1/openapi.json"]["get"]["responses"]["200"]["content"]
    schema = schema["application/json"]["schema"]
    assert "success" not in schema["properties"] and {"openapi", "info", "paths"} <= set(schema["required"])
    Draft202012Validator(schema).validate(client.get("/api/v1/openapi.json").get_json())


# Black-box sweep F3: actions without inputs take nothing, or an empty object; those with a note take only the note.
@pytest.mark.parametrize(
    "path, members",
    [
        ("/api/v1/users/{user_id}/make-admin", set()),
        ("/api/v1/users/{user_id}/revoke-admin", set()),
        ("/api/v1/users/{user_id}/reinstate", set()),
        ("/api/v1/settings/reset", set()),
        ("/api/v1/users/{user_id}/suspend", {"note"}),
        ("/api/v1/access-requests/{request_id}/approve", {"note"}),
        ("/api/v1/access-requests/{request_id}/reject", {"note"}),
    ],
)
def test_action_bodies_are_documented_as_refused_beyond_their_members(app, path, members):
    operation = document(app)["paths"][path]["post"]
    body = operation["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert body["required"] is False
    assert set(schema["properties"]) == members and schema["additionalProperties"] is False
    assert {"413", "415", "422"} <= set(operation["responses"])


# Black-box sweep F7d: a hand-ordered list is not paged, so it documents no limit or cursor.
def test_a_hand_ordered_list_documents_no_paging(app):
    operation = document(app)["paths"]["/api/v1/specifications/{parent_id}/items"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert "limit" not in names and "after" not in names
    paged = document(app)["paths"]["/api/v1/projects"]["get"]
    assert {"limit", "after"} <= {parameter["name"] for parameter in paged["parameters"]}


def test_operation_summaries_read_as_english_whatever_the_noun(app):
    paths = document(app)["paths"]
    assert paths["/api/v1/items/{record_id}"]["get"]["summary"] == "Get an item"
    assert paths["/api/v1/items/{record_id}/move"]["post"]["summary"] == "Move an item up or down"
    assert paths["/api/v1/projects/{record_id}"]["patch"]["summary"] == "Change a project"
    assert paths["/api/v1/projects"]["post"]["summary"] == "Create a project"


def test_the_description_tells_a_reader_of_the_served_docs_how_to_call(app):
    text = document(app)["info"]["description"]
    assert "Authorization: Bearer <key>" in text and "POST /api/v1/auth/google" in text and "X-CSRFToken" in text
    assert '"error": {"code", "message", "details"}' in text and "`after`" in text
    assert "docs/" not in text  # a deployed site's reader has no repository to open
