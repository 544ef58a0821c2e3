"""The back office from declarations: every field type, the filters, pickers, search, menu and counts it derives."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.typed_models import CUSTOMERS, JOBS, Job, customer, job, typed  # noqa: F401
from webapp.admin import add_resource_pages
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.resources import BackOffice, Resource
from webapp.services import settings

VALID = {
    "title": "Roof",
    "stage": "won",
    "due": "2027-03-31",
    "starts": "2027-03-31T09:30",
    "hours": "12",
    "budget": "1500.5",
    "done": "y",
    "contact": "ann@example.com",
    "site": "https://example.org/roof",
    "labels": ["red", "blue"],
    "topics": "tiles, gutters, Tiles",
}


@pytest.fixture
def office(app, typed, client, sign_in, admin):
    """The administrator, reading times in Paris, with back-office pages for customers and jobs."""
    add_resource_pages(app, [CUSTOMERS, JOBS])
    settings.set_time_zone(admin, "Europe/Paris")
    sign_in.as_user(admin)
    return client


def table(response):
    html = response.get_data(as_text=True)
    return html[html.index("model-list") :]


def test_the_page_is_in_the_menu_and_the_dashboard_counts_its_rows(office, admin):
    job(admin, "Roof")
    html = office.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/jobs/"' in html and 'href="/admin/customers/"' in html
    card = html[html.index('<a class="card hd-stat" href="/admin/jobs/">') :]
    assert '<p class="hd-stat-number mb-0" >1</p>' in card[: card.index("</a>")]


def test_the_list_shows_every_type_in_two_statements(office, admin, count_queries):
    acme = customer(admin, "Acme")
    job(admin, "Roof", stage="won", due=date(2027, 3, 31), budget=Decimal("12.50"), done=True, client=acme)
    job(admin, "Shed", labels=["red"], topics=["wood"])
    with count_queries() as counter:
        html = table(office.get("/admin/jobs/"))
    assert counter.count <= 3 and not [sql for sql in counter.statements if "count(" in sql.lower()]
    for shown in ("Roof", 'badge-pill badge-light">won<', "2027-03-31", "12.50", "Acme", "Red", "wood"):
        assert shown in html, shown
    assert html.index("Shed") < html.index("Roof")  # newest first


def test_the_search_is_the_pages_search(office, admin):
    job(admin, "Roof")
    job(admin, "Shed")
    html = table(office.get("/admin/jobs/", query_string={"search": "roo"}))
    assert "Roof" in html and "Shed" not in html


def test_projects_search_the_description_as_their_pages_do(office, make, approved_user):
    make.project(approved_user, name="Boat", description="Teak deck")
    make.project(approved_user, name="Barn", description="Slate")
    html = table(office.get("/admin/projects/", query_string={"search": "teak"}))
    assert "Boat" in html and "Barn" not in html


@pytest.mark.parametrize(
    "flt, value",
    [
        ("flt0_stage_equals", "won"),
        ("flt0_done_equals", "1"),
        ("flt0_due_between", "2027-03-01 to 2027-03-31"),
        ("flt0_owner_id_equals", lambda admin: admin.id),
    ],
)
def test_filters_for_owner_choice_boolean_and_date_fields(office, admin, make, flt, value):
    job(admin, "Roof", stage="won", done=True, due=date(2027, 3, 31))
    job(make.user(email="bob@example.com"), "Shed")
    html = table(office.get("/admin/jobs/", query_string={flt: value(admin) if callable(value) else value}))
    assert "Roof" in html and "Shed" not in html


def test_a_relation_filter_and_the_choice_filter_offers_labels(office, admin):
    acme = customer(admin, "Acme")
    job(admin, "Roof", client=acme)
    job(admin, "Shed")
    response = office.get("/admin/jobs/", query_string={"flt0_client_id_equals": acme.id})
    assert "Roof" in table(response) and "Shed" not in table(response)
    assert '["won", "Won"]' in response.get_data(as_text=True)


def test_every_type_is_stored_typed_from_the_back_office(office, admin):
    acme = customer(admin, "Acme")
    response = office.post("/admin/jobs/new/", data={**VALID, "owner_id": admin.id, "client": acme.id})
    row = db.session.scalar(select(Job))
    assert response.status_code == 302
    assert (row.owner_id, row.stage, row.due, row.hours, row.budget, row.done) == (
        admin.id,
        "won",
        date(2027, 3, 31),
        12,
        Decimal("1500.50"),
        True,
    )
    assert row.starts == datetime(2027, 3, 31, 7, 30, tzinfo=UTC)  # typed in the administrator's zone
    assert (row.contact, row.site, row.client_id) == ("ann@example.com", "https://example.org/roof", acme.id)
    assert (row.labels, row.topics) == (["red", "blue"], ["tiles", "gutters"])


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("title", "", "Title is required."),
        ("hours", "1001", "Hours must be between 0 and 1000."),
        ("budget", "12.345", "Budget takes at most 2 digits after the point."),
        ("site", "javascript://example.org/%0aalert(1)", "starting with https://"),
        ("starts", "2027-03-28T02:30", "does not exist in Europe/Paris"),
        ("labels", "green", "Choose labels from the listed values."),
    ],
)
def test_a_bad_value_gets_the_pages_message_and_nothing_is_stored(office, admin, name, value, message):
    response = office.post("/admin/jobs/new/", data={**VALID, "owner_id": admin.id, name: value})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(Job)) is None


def test_the_edit_form_shows_times_in_the_readers_zone_and_saving_keeps_them(office, admin):
    row = job(admin, "Roof", starts=datetime(2027, 3, 31, 7, 30, tzinfo=UTC), budget=Decimal("3.10"))
    html = office.get(f"/admin/jobs/edit/?id={row.id}").get_data(as_text=True)
    assert 'value="2027-03-31T09:30"' in html
    data = {**VALID, "owner_id": admin.id, "starts": "2027-03-31T09:30", "budget": "3.10"}
    office.post(f"/admin/jobs/edit/?id={row.id}", data=data)
    db.session.expire_all()
    assert db.session.get(Job, row.id).starts == datetime(2027, 3, 31, 7, 30, tzinfo=UTC)


def test_relations_owners_and_files_are_picked_by_typing(office, admin):
    customer(admin, "Acme")
    customer(admin, "Globex")
    response = office.get("/admin/jobs/ajax/lookup/", query_string={"name": "client", "query": "glo"})
    assert [label for _, label in json.loads(response.data)] == [f"Globex (#{response.json[0][0]})"]
    html = office.get("/admin/jobs/new/").get_data(as_text=True)
    for name in ("client", "brief"):
        assert f'data-url="/admin/jobs/ajax/lookup/?name={name}"' in html


def test_an_edit_records_typed_values_before_and_after(office, admin):
    row = job(admin, "Roof", budget=Decimal("1.00"))
    office.post(f"/admin/jobs/edit/?id={row.id}", data={**VALID, "owner_id": admin.id, "title": "Roof", "budget": "2"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.updated"))
    assert event.details["changes"]["budget"] == {"before": "1.00", "after": "2.00"}
    assert event.details["via"] == "back office"


def test_the_export_has_typed_values(office, admin):
    job(admin, "Roof", due=date(2027, 3, 31), labels=["red"], done=True)
    body = office.get("/admin/jobs/export/csv/", buffered=True).get_data(as_text=True)
    assert "Roof" in body and "2027-03-31" in body and "red" in body


def test_only_indexed_columns_sort(office):
    html = office.get("/admin/jobs/").get_data(as_text=True)
    assert 'title="Sort by Id"' in html and 'title="Sort by Title"' not in html


def test_details_link_the_owners_and_their_rows(office, admin):
    row = job(admin, "Roof")
    assert f"/admin/users/details/?id={admin.id}" in office.get(f"/admin/jobs/details/?id={row.id}").get_data(
        as_text=True
    )
    user_html = office.get(f"/admin/users/details/?id={admin.id}").get_data(as_text=True)
    assert f"/admin/jobs/?flt0_owner_id_equals={admin.id}" in user_html and "Their jobs" in user_html


def test_the_children_link_their_parent_and_the_parent_its_children(office, records_page):
    spec_html, project_html = records_page
    assert "Its bullet items" in spec_html and "Its project" in spec_html
    assert "Its specifications" in project_html


@pytest.fixture
def records_page(office, make, approved_user):
    project = make.project(approved_user)
    spec = make.specification(project)
    return (
        office.get(f"/admin/specifications/details/?id={spec.id}").get_data(as_text=True),
        office.get(f"/admin/projects/details/?id={project.id}").get_data(as_text=True),
    )


def test_a_declaration_may_rename_its_page_or_have_none(app, typed):
    hidden = Resource(
        model=Job, name="hidden_jobs", singular="job", plural="jobs", owner="owner_id", title="title", back_office=None
    )
    renamed = Resource(
        model=Job,
        name="tasks",
        singular="task",
        plural="tasks",
        owner="owner_id",
        title="title",
        back_office=BackOffice(label="Work", url="work", options={"can_delete": False}),
    )
    add_resource_pages(app, [hidden, renamed])
    assert "/admin/work/" in {rule.rule for rule in app.url_map.iter_rules()}
    assert not any("hidden" in rule.rule for rule in app.url_map.iter_rules())
    view = next(v for v in app.extensions["admin"][0]._views if v.name == "Work")
    assert view.can_delete is False
