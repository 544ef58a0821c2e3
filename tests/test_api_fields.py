"""Every field type through the API: JSON and multipart bodies, the pages' checks, relations limited to visible rows."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from PIL import Image
from sqlalchemy import select

from tests.api_support import document
from tests.api_typed import app  # noqa: F401  (jobs and customers get their API)
from tests.typed_models import Job, customer, job
from webapp.extensions import db
from webapp.models import Asset, Project
from webapp.services import settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def alice(approved_user):
    """Alice reads and types times in Paris."""
    settings.set_time_zone(approved_user, "Europe/Paris")
    return approved_user


@pytest.fixture
def caller(api, alice):
    return api(alice)


def multipart(caller, method, path, data):
    return caller.client.open(
        path, method=method, data=data, headers=caller.headers, content_type="multipart/form-data", csrf=False
    )


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def stored_jobs():
    return db.session.scalars(select(Job)).all()


def every_type(client_id):
    """A job body with a value for each field type (the document's request schema accepts it)."""
    return {
        "title": "Roof",
        "stage": "won",
        "due": "2027-03-31",
        "starts": "2027-03-31T09:00",
        "hours": 12,
        "budget": "1500.50",
        "done": True,
        "contact": "ops@example.com",
        "site": "https://example.com/roof",
        "client": client_id,
        "labels": ["red"],
        "topics": ["slate", "gutters"],
    }


def test_the_documented_request_schema_accepts_a_body_with_every_type(app):
    spec = document(app)
    schema = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(every_type(3))) == []
    assert list(validator.iter_errors({**every_type(3), "hours": 5000, "site": "ftp://x"})) != []


def test_a_job_with_every_field_type_is_created_from_json_and_answered_typed(caller, alice):
    acme = customer(alice, "Acme")
    response = caller.post("/api/v1/jobs", json=every_type(acme.id))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    # A local time is read in the person's zone (Paris, summer time) and answered in UTC.
    assert data["starts"] == "2027-03-31T07:00:00Z"
    assert (data["due"], data["hours"], data["budget"], data["done"]) == ("2027-03-31", 12, "1500.50", True)
    assert data["client"] == {"id": acme.id, "title": "Acme"}
    row = db.session.get(Job, data["id"])
    assert (row.due, row.starts, row.budget) == (
        date(2027, 3, 31),
        datetime(2027, 3, 31, 7, tzinfo=UTC),
        Decimal("1500.50"),
    )
    assert (row.client_id, row.labels, row.topics) == (acme.id, ["red"], ["slate", "gutters"])


def test_a_date_time_with_an_offset_keeps_it(caller):
    data = caller.post("/api/v1/jobs", json={"title": "x", "starts": "2027-03-31T09:00:00+05:00"}).get_json()["data"]
    assert data["starts"] == "2027-03-31T04:00:00Z"


@pytest.mark.parametrize(
    "member, value",
    [
        ("hours", 5000),
        ("hours", "many"),
        ("hours", 1.5),
        ("budget", "1.234"),
        ("budget", "NaN"),
        ("due", "2027-02-30"),
        ("starts", "2027-03-28T02:30"),  # the clocks skip 02:00-03:00 in Paris that night
        ("done", "yes"),
        ("contact", "not an address"),
        ("site", "javascript:alert(1)"),
        ("labels", ["green"]),
        ("labels", "red"),
        ("topics", ["x" * 41]),
        ("client", "Acme"),
        ("client", 2**70),
        ("brief", "a file"),
    ],
)
def test_a_bad_typed_value_is_422_naming_its_field_and_stores_nothing(caller, member, value):
    response = caller.post("/api/v1/jobs", json={"title": "Bad", member: value})
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["error"]["details"]) == [member]
    assert stored_jobs() == []


def test_a_relation_to_someone_elses_row_is_422_and_stores_nothing(caller, make):
    theirs = customer(make.user(), "Theirs")
    response = caller.post("/api/v1/jobs", json={"title": "Sneaky", "client": theirs.id})
    assert response.status_code == 422 and "client" in response.get_json()["error"]["details"]
    assert stored_jobs() == []


def test_someone_elses_row_and_a_missing_one_are_refused_alike(caller, make):
    theirs = customer(make.user(), "Theirs")
    answers = [caller.post("/api/v1/jobs", json={"title": "x", "client": row_id}) for row_id in (theirs.id, 999_999)]
    messages = [a.get_json()["error"]["details"]["client"][0] for a in answers]
    assert [a.status_code for a in answers] == [422, 422]
    assert messages[0].replace(str(theirs.id), "N") == messages[1].replace("999999", "N")


def test_a_relation_kept_by_patch_and_removed_with_null(caller, alice):
    acme = customer(alice, "Acme")
    row = job(alice, "Roof", client_id=acme.id)
    kept = caller.patch(f"/api/v1/jobs/{row.id}", json={"title": "Roof 2"})
    assert kept.status_code == 200 and kept.get_json()["data"]["client"]["id"] == acme.id
    # Sending back what the API answered keeps it too.
    again = caller.patch(f"/api/v1/jobs/{row.id}", json={"client": kept.get_json()["data"]["client"]["id"]})
    assert again.status_code == 200
    cleared = caller.patch(f"/api/v1/jobs/{row.id}", json={"client": None})
    assert cleared.get_json()["data"]["client"] is None and db.session.get(Job, row.id).client_id is None


def test_a_document_is_uploaded_as_multipart_with_typed_text_parts(caller, alice):
    acme = customer(alice, "Acme")
    data = {
        "title": "With brief",
        "done": "true",
        "hours": "7",
        "client": str(acme.id),
        "topics": ["slate", "lead"],
        "brief": (io.BytesIO(PDF), "brief.pdf"),
    }
    response = multipart(caller, "POST", "/api/v1/jobs", data)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["data"]
    assert created["brief"]["filename"] == "brief.pdf" and created["brief"]["content_type"] == "application/pdf"
    row = db.session.get(Job, created["id"])
    assert (row.done, row.hours, row.client_id, row.topics) == (True, 7, acme.id, ["slate", "lead"])
    assert row.brief_asset_id == created["brief"]["id"]


@pytest.mark.parametrize(
    "upload",
    [
        (b"MZ\x90\x00", "tool.exe"),
        (png_bytes(), "brief.pdf"),  # a picture named like a PDF: checked by content
        (b"\x00\x01\x02binary", "notes.txt"),
    ],
)
def test_a_document_of_another_type_is_422_and_stores_nothing(caller, upload):
    content, filename = upload
    response = multipart(
        caller, "POST", "/api/v1/jobs", {"title": "Bad brief", "brief": (io.BytesIO(content), filename)}
    )
    assert response.status_code == 422 and "brief" in response.get_json()["error"]["details"]
    assert stored_jobs() == [] and db.session.scalars(select(Asset)).all() == []


def test_a_document_over_the_size_limit_is_refused(app, caller):
    app.config["MAX_UPLOAD_MB"] = 0.001
    big = PDF + b"0" * 4096
    response = multipart(caller, "POST", "/api/v1/jobs", {"title": "Big", "brief": (io.BytesIO(big), "big.pdf")})
    assert response.status_code in (413, 422) and response.get_json()["success"] is False
    assert stored_jobs() == []


def test_a_document_is_replaced_by_patch_and_removed_with_an_empty_part(caller, alice):
    created = multipart(caller, "POST", "/api/v1/jobs", {"title": "x", "brief": (io.BytesIO(PDF), "a.pdf")})
    job_id = created.get_json()["data"]["id"]
    replaced = multipart(caller, "PATCH", f"/api/v1/jobs/{job_id}", {"brief": (io.BytesIO(PDF), "b.txt.pdf")})
    assert replaced.status_code == 200 and replaced.get_json()["data"]["brief"]["filename"] == "b.txt.pdf"
    assert replaced.get_json()["data"]["title"] == "x"
    removed = multipart(caller, "PATCH", f"/api/v1/jobs/{job_id}", {"brief": ""})
    assert removed.status_code == 200 and removed.get_json()["data"]["brief"] is None


@pytest.mark.parametrize(
    "data, member",
    [
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x", "owner_id": "1"}, "owner_id"),
        ({"title": "file"}, "title"),
        ({"title": "x", "elsewhere": "file"}, "elsewhere"),
    ],
)
def test_a_multipart_part_the_resource_does_not_take_is_422(caller, data, member):
    # "file" stands for a PDF sent in that part (a file object is read once: make one per run).
    data = {name: (io.BytesIO(PDF), "a.pdf") if value == "file" else value for name, value in data.items()}
    response = multipart(caller, "POST", "/api/v1/jobs", data)
    assert response.status_code == 422 and member in response.get_json()["error"]["details"]
    assert stored_jobs() == []


def test_a_multipart_body_to_a_resource_without_files_is_415(caller, alice):
    acme = customer(alice, "Acme")
    response = multipart(caller, "PATCH", f"/api/v1/customers/{acme.id}", {"name": "Acme Ltd"})
    assert response.status_code == 415


def test_a_project_cover_rides_with_a_due_date_and_status_in_multipart(caller):
    data = {
        "name": "Covered",
        "status": "active",
        "due_date": "2027-05-01",
        "cover": (io.BytesIO(png_bytes()), "c.png"),
    }
    response = multipart(caller, "POST", "/api/v1/projects", data)
    assert response.status_code == 201, response.get_json()
    project = db.session.get(Project, response.get_json()["data"]["id"])
    assert (str(project.status), project.due_date) == ("active", date(2027, 5, 1))
    assert db.session.get(Asset, project.cover_asset_id).orphaned_at is None  # attached by the row's own commit


def test_the_document_describes_every_field_type_and_stays_valid(app):
    spec = document(app)
    validate(spec)
    job_schema = spec["components"]["schemas"]["Job"]["properties"]
    assert job_schema["due"]["format"] == "date" and job_schema["starts"]["format"] == "date-time"
    assert (job_schema["hours"]["minimum"], job_schema["hours"]["maximum"]) == (0, 1000)
    assert job_schema["budget"]["format"] == "decimal" and job_schema["done"]["type"] == "boolean"
    # Optional addresses are sent as "" when empty: the format applies to the other branch.
    assert job_schema["contact"]["anyOf"] == [{"type": "string", "format": "email", "maxLength": 320}, {"const": ""}]
    assert job_schema["site"]["anyOf"][0]["format"] == "uri" and job_schema["site"]["anyOf"][1] == {"const": ""}
    assert job_schema["labels"]["items"]["enum"] == ["red", "blue"] and job_schema["topics"]["type"] == "array"
    assert {"type": "integer", "minimum": 1} in job_schema["client"]["oneOf"]
    assert "filename" in job_schema["brief"]["anyOf"][0]["properties"]
    upload = spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["brief"]["contentMediaType"] == "application/octet-stream"
    assert upload["properties"]["topics"]["type"] == "array" and upload["properties"]["done"]["type"] == "boolean"


def test_the_list_documents_its_sort_and_filter_parameters(app):
    parameters = {p["name"]: p["schema"] for p in document(app)["paths"]["/api/v1/jobs"]["get"]["parameters"]}
    assert parameters["sort"] == {"enum": ["newest", "title"], "default": "newest"}
    assert parameters["stage"] == {"enum": ["open", "won", "lost"]} and parameters["done"] == {"type": "boolean"}
    assert parameters["due_from"]["format"] == parameters["starts_to"]["format"] == "date"
    assert parameters["client"]["type"] == "integer"
    assert "status" not in parameters and "scope" in parameters


def test_a_row_sent_back_whole_as_the_api_answered_it_changes_nothing(caller, alice):
    acme = customer(alice, "Acme")
    created = caller.post("/api/v1/jobs", json={**every_type(acme.id), "brief": None}).get_json()["data"]
    assert created["client"] == {"id": acme.id, "title": "Acme"}
    # A client edits what it fetched and sends it all back: the relation as {id, title}, ids and timestamps too.
    fetched = caller.get(f"/api/v1/jobs/{created['id']}").get_json()["data"]
    again = caller.patch(f"/api/v1/jobs/{created['id']}", json={**fetched, "title": "Renamed"})
    assert again.status_code == 200, again.get_json()
    assert {**again.get_json()["data"], "updated_at": None} == {**fetched, "title": "Renamed", "updated_at": None}
    posted = caller.post("/api/v1/jobs", json={k: v for k, v in fetched.items() if k not in ("id", "brief")})
    assert posted.status_code == 201 and posted.get_json()["data"]["client"] == {"id": acme.id, "title": "Acme"}


def test_a_relation_object_is_read_by_its_id_and_its_title_is_only_a_label(caller, alice):
    acme, globex = customer(alice, "Acme"), customer(alice, "Globex")
    row = job(alice, "Roof", client_id=acme.id)
    # The title is what the API showed; the id says which row is meant.
    moved = caller.patch(f"/api/v1/jobs/{row.id}", json={"client": {"id": globex.id, "title": "Acme"}})
    assert moved.get_json()["data"]["client"] == {"id": globex.id, "title": "Globex"}
    for bad in ({"title": "Acme"}, {"id": str(acme.id)}, {"id": True}, [acme.id]):
        refused = caller.patch(f"/api/v1/jobs/{row.id}", json={"client": bad})
        assert refused.status_code == 422 and list(refused.get_json()["error"]["details"]) == ["client"], bad
    assert db.session.get(Job, row.id).client_id == globex.id
