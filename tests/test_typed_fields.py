"""Every field type in the pages: stored typed, shown in cells, refused with a message (422, nothing stored, typed kept)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.typed_models import JOBS, Customer, Invoice, Job, customer, job, typed  # noqa: F401
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.services import settings

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

VALID = {
    "title": "Roof",
    "stage": "won",
    "due": "2027-03-31",
    "starts": "2027-03-31T09:30",
    "hours": "12",
    "budget": "1500.50",
    "done": "y",
    "contact": "ann@example.com",
    "site": "https://example.org/roof",
    "labels": ["red", "blue"],
    "topics": "tiles, gutters, Tiles",
}


@pytest.fixture
def alice(typed, approved_user, sign_in):
    """Alice, signed in, reading times in Paris."""
    settings.set_time_zone(approved_user, "Europe/Paris")
    return sign_in.as_user(approved_user)


def post(client, data, headers=None, path="/jobs/"):
    return client.post(path, data=data, headers=headers or {}, content_type="multipart/form-data")


def test_every_type_is_stored_typed_from_a_plain_form(client, alice):
    client_row = customer(alice, "Acme")
    data = {**VALID, "client": str(client_row.id), "brief_file": (io.BytesIO(PDF), "plan.pdf")}
    response = post(client, data)
    row = db.session.scalar(select(Job))
    assert response.status_code == 303
    assert (row.stage, row.due, row.hours, row.budget, row.done) == (
        "won",
        date(2027, 3, 31),
        12,
        Decimal("1500.50"),
        True,
    )
    assert row.starts == datetime(2027, 3, 31, 7, 30, tzinfo=UTC)  # 09:30 in Paris (summer time) is 07:30 UTC
    assert (row.contact, row.site, row.client_id) == ("ann@example.com", "https://example.org/roof", client_row.id)
    assert (row.labels, row.topics) == (["red", "blue"], ["tiles", "gutters"])
    assert (row.brief.filename, row.brief.content_type, row.brief.width) == ("plan.pdf", "application/pdf", 0)


def test_list_cells_show_each_type_in_the_readers_zone(client, alice):
    acme = customer(alice, "Acme")
    job(
        alice,
        "Roof",
        due=date(2027, 3, 31),
        starts=datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
        done=True,
        budget=Decimal("12.50"),
        contact="ann@example.com",
        site="https://example.org/",
        client_id=acme.id,
        labels=["red"],
        topics=["tiles"],
    )
    html = client.get("/jobs/").get_data(as_text=True)
    assert "31 Mar 2027" in html and "05 Jan 2027 09:00 CET" in html and ">Yes<" in html and "12.50" in html
    assert 'href="mailto:ann@example.com"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert f'href="/customers/{acme.id}">Acme</a>' in html and ">Red<" in html and ">tiles<" in html


def test_a_labelled_column_names_its_value_in_the_row_and_only_when_there_is_one(client, alice):
    job(alice, "Roof", due=date(2027, 3, 31), budget=Decimal("12.50"), contact="ann@example.com")
    job(alice, "Porch")  # no date, no budget
    html = client.get("/jobs/").get_data(as_text=True)
    porch, roof = html.split('<li id="jobs-')[1:3]  # newest first
    assert '<span class="cell-label">Due</span> <span class="cell cell-due">31 Mar 2027</span>' in roof
    assert '<span class="cell-label">Budget</span> <span class="cell cell-budget">12.50</span>' in roof
    assert '<span class="cell-label">Done</span> <span class="cell cell-done">No</span>' in roof
    assert '<span class="cell-label">Due</span>' not in porch and '<span class="cell-label">Budget</span>' not in porch
    assert '<span class="cell-label">Title</span>' not in html and '<span class="cell-label">Contact</span>' not in html
    page = client.get(f"/jobs/{db.session.scalar(select(Job.id).where(Job.title == 'Roof'))}").get_data(as_text=True)
    assert "cell-label" not in page  # the record's page names every value in its own list (dt, dd)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("title", "", "Title is required."),
        ("title", "bad\x00", "Title contains invisible control characters; please retype it."),
        ("stage", "maybe", "Choose one of the listed values for stage."),
        ("due", "31/03/2027", "Due: enter a date as YYYY-MM-DD"),
        ("starts", "2027-03-28T02:30", "does not exist in Europe/Paris"),
        ("starts", "soon", "Starts: enter a date and time"),
        ("hours", "twelve", "Hours must be a whole number"),
        ("hours", "1001", "Hours must be between 0 and 1000."),
        ("hours", "99999999999999999999", "Hours must be between 0 and 1000."),
        ("budget", "12.345", "Budget takes at most 2 digits after the point."),
        ("budget", "NaN", "Budget must be a number."),
        ("budget", "1e20", "Budget must be between"),
        ("budget", "-1", "Budget must be between 0 and"),
        ("contact", "ann@", "Contact: enter an e-mail address"),
        ("site", "javascript://example.org/%0aalert(1)", "starting with https://"),
        ("site", "https://nowhere", "Site: enter a web address"),
        ("labels", "green", "Choose labels from the listed values."),
        ("topics", ",".join(f"t{i}" for i in range(21)), "at most 20 tags"),
        ("client", "999999", "Nothing you can choose is called"),
        ("client", "Globex", "Nothing you can choose is called"),
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_bad_value_is_refused_in_place_and_nothing_is_stored(client, alice, name, value, message, headers):
    response = post(client, {**VALID, name: value}, headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert ("<html" in html) == (headers == {})
    assert 'value="Roof"' in html or name == "title"  # what was typed stays
    assert db.session.scalar(select(Job)) is None


def test_another_persons_row_cannot_be_chosen_or_offered(client, alice, make):
    theirs = customer(make.user(), "Globex")
    customer(alice, "Acme")
    assert "Globex" not in client.get("/jobs/new").get_data(as_text=True)
    response = post(client, {**VALID, "client": str(theirs.id)})
    assert response.status_code == 422 and db.session.scalar(select(Job)) is None


def test_many_rows_turn_the_relation_into_a_type_ahead(client, alice):
    rows = [customer(alice, name) for name in ("Acme", "Apex", "Bolt", "Crane")]
    form = client.get("/jobs/new").get_data(as_text=True)
    assert 'list="jobs-new-client-options"' in form and "/jobs/lookup/client" in form
    options = client.get("/jobs/lookup/client?client=cr", headers=HX).get_data(as_text=True)
    assert options.strip() == f'<option value="Crane #{rows[3].id}"></option>'
    page = client.get("/jobs/lookup/client?client=cr").get_data(as_text=True)
    assert "<html" in page and f"Crane #{rows[3].id}" in page and "Acme" not in page
    assert post(client, {**VALID, "client": f"Crane #{rows[3].id}"}).status_code == 303
    assert post(client, {**VALID, "title": "Second", "client": "bolt"}).status_code == 303
    assert sorted(db.session.scalars(select(Job.client_id))) == sorted([rows[3].id, rows[2].id])


def test_a_file_of_another_type_than_its_name_is_refused(client, alice):
    response = post(client, {**VALID, "brief_file": (io.BytesIO(b"MZ\x90\x00binary"), "plan.pdf")})
    assert response.status_code == 422 and "This file is not a PDF file" in response.get_data(as_text=True)
    response = post(client, {**VALID, "brief_file": (io.BytesIO(PDF), "plan.exe")})
    assert response.status_code == 422 and "Please choose a PDF or text file." in response.get_data(as_text=True)
    assert db.session.scalar(select(Job)) is None


def test_a_stored_document_is_served_as_a_download_that_runs_nothing(client, alice):
    post(client, {**VALID, "brief_file": (io.BytesIO(PDF), "plan.pdf")})
    url = db.session.scalar(select(Job)).brief.url
    with client.get(url) as response:
        body = response.data
    assert response.status_code == 200 and body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert (
        response.headers["X-Content-Type-Options"] == "nosniff"
        and "sandbox" in response.headers["Content-Security-Policy"]
    )


def test_a_page_edit_is_audited_before_and_after(client, alice):
    row = job(alice, "Roof", hours=3)
    client.post(
        f"/jobs/{row.id}/edit",
        data={
            **VALID,
            "title": "Roof",
            "hours": "5",
            "labels": [],
            "topics": "",
            "done": "",
            "stage": "open",
            "due": "",
            "starts": "",
            "budget": "",
            "contact": "",
            "site": "",
        },
        content_type="multipart/form-data",
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "test_job.updated"))
    assert event.details == {"changes": {"hours": {"before": 3, "after": 5}}, "via": "pages"}


@pytest.mark.parametrize("form_field", JOBS.fields, ids=lambda f: f.name)
def test_the_api_hooks_round_trip_through_the_same_reading(form_field, app):
    samples = {
        "title": "Roof",
        "stage": "won",
        "due": date(2027, 3, 31),
        "starts": datetime(2027, 3, 31, 7, 30, tzinfo=UTC),
        "hours": 12,
        "budget": Decimal("12.50"),
        "done": True,
        "contact": "a@example.com",
        "site": "https://example.org/",
        "labels": ["red"],
        "topics": ["tiles"],
    }
    schema = form_field.json_schema()
    assert schema["title"] == form_field.label and ("type" in schema or "oneOf" in schema or "anyOf" in schema)
    if form_field.name not in samples:
        return  # relations and files carry ids; their pages' tests cover them
    value = samples[form_field.name]
    assert form_field.clean(form_field.form_values(form_field.to_json(value))) == value


def back_office_form(fields, data):
    """A form built the way the back office builds one: each field's form_field() on a Flask-WTF form class."""
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    form_class = type("JobForm", (FlaskForm,), {f.name: f.form_field() for f in fields})
    return form_class(formdata=MultiDict(data), meta={"csrf": False})


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("hours", "1001", "Hours must be between 0 and 1000."),
        ("site", "ftp://example.org/", "starting with https://"),
        ("due", "tomorrow", "Due: enter a date as YYYY-MM-DD"),
        ("labels", ["green"], "Choose labels from the listed values."),
    ],
)
def test_the_back_office_form_field_refuses_what_the_pages_refuse(app, name, value, message):
    fields = [f for f in JOBS.fields if f.name == name]
    with app.test_request_context():
        form = back_office_form(fields, [(name, v) for v in (value if isinstance(value, list) else [value])])
        assert not form.validate() and message in form.errors[name][0]
        with pytest.raises(ValueError, match=message.split(":")[0]):
            fields[0].clean(value)


def test_deleting_a_row_a_required_relation_still_uses_is_refused(client, alice):
    acme = customer(alice, "Acme")
    db.session.add(Invoice(customer_id=acme.id))
    db.session.commit()
    response = client.post(f"/customers/{acme.id}/delete", headers=HX)
    assert response.status_code == 409 and db.session.get(Customer, acme.id) is not None
