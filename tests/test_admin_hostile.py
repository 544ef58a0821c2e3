"""Crafted back-office requests (ids, pages, filters, search, actions, pickers, forms): a clear answer, never a 500."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Project

# Issue 16: each of these answered 500 on PostgreSQL (text or out-of-range ids, a negative OFFSET, NUL),
# on SQLite (integers beyond 64 bits), or on both (an unknown enum name in a filter).
MISSING = "Record does not exist."
INVALID_FILTER = "Invalid Filter Value"


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


@pytest.fixture
def boat(make, approved_user):
    return make.project(approved_user, name="Boat refit", status="active")


def projects():
    return db.session.scalar(select(func.count()).select_from(Project))


@pytest.mark.parametrize("view", ["edit", "details"])
@pytest.mark.parametrize("record_id", ["abc", "99999999999", "9" * 25, "²", "-1", "1,2", "%00"])
def test_a_bad_record_id_is_record_does_not_exist(office, boat, view, record_id):
    response = office.get(f"/admin/projects/{view}/?id={record_id}", follow_redirects=True)
    assert response.status_code == 200
    assert MISSING in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["-5", "99999999999999999999", "abc"])
def test_a_bad_page_number_is_a_normal_list(office, boat, page):
    response = office.get(f"/admin/projects/?page={page}")
    assert response.status_code == 200


def test_a_negative_page_shows_the_first_page(office, boat):
    assert "Boat refit" in office.get("/admin/projects/?page=-5").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "flt0_status_equals=bogus",
        "flt0_status_in_list=active,bogus",
        "flt0_owner_id_equals=99999999999999999999",
        "flt0_owner_id_in_list=1,99999999999999999999",
        "flt0_owners_email_equals=a%00b",
        "flt0_owners_email_contains=%00",
    ],
)
def test_an_unusable_filter_value_is_dropped_with_a_message(office, boat, query):
    response = office.get(f"/admin/projects/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert INVALID_FILTER in html and "Boat refit" in html


def test_a_usable_enum_filter_still_filters(office, boat, make, approved_user):
    make.project(approved_user, name="Barn roof", status="draft")
    html = office.get("/admin/projects/?flt0_status_equals=draft").get_data(as_text=True)
    assert "Barn roof" in html and "Boat refit" not in html and INVALID_FILTER not in html


def test_search_drops_control_characters(office, boat):
    response = office.get("/admin/projects/?search=Bo%00at")
    assert response.status_code == 200 and "Boat refit" in response.get_data(as_text=True)


@pytest.mark.parametrize(("term", "found", "hidden"), [("%", "100% done", "Plain"), ("_", "snake_case", "Plain")])
def test_search_matches_percent_and_underscore_literally(office, make, approved_user, term, found, hidden):
    make.project(approved_user, name=found)
    make.project(approved_user, name=hidden)
    html = office.get("/admin/projects/", query_string={"search": term}).get_data(as_text=True)
    html = html[html.index("model-list") :]
    assert found in html and hidden not in html


@pytest.mark.parametrize("rowid", ["²", "abc", "99999999999999999999", "%00"])
def test_an_action_on_malformed_row_ids_changes_nothing(office, boat, rowid):
    response = office.post("/admin/projects/action/", data={"action": "delete", "rowid": [rowid]})
    assert response.status_code == 302
    assert projects() == 1


def test_an_action_still_applies_to_the_well_formed_ids(office, boat):
    response = office.post("/admin/projects/action/", data={"action": "delete", "rowid": ["①", str(boat.id)]})
    assert response.status_code == 302
    assert projects() == 0


@pytest.mark.parametrize(
    "query",
    [
        "name=owner&query=%00",
        "name=owner",
        "name=owner&query=a&offset=-3&limit=99999999999999999999",
        "name=owner&query=a&offset=99999999999999999999",
    ],
)
def test_a_picker_lookup_with_hostile_values_answers_json(office, boat, query):
    response = office.get(f"/admin/projects/ajax/lookup/?{query}")
    assert response.status_code == 200 and response.mimetype == "application/json"


def test_a_picker_lookup_matches_percent_literally(office, make, admin):
    make.user(email="percent%sign@example.com", status="approved")
    found = office.get("/admin/projects/ajax/lookup/?name=owner&query=%25").get_json()
    assert [label for _, label in found] and all("%" in label for _, label in found)


@pytest.mark.parametrize("owner", ["abc", "99999999999999999999", "²"])
def test_a_form_with_a_malformed_picked_record_is_refused(office, owner):
    data = {"name": "Never stored", "owner": owner, "status": "active", "description": ""}
    response = office.post("/admin/projects/new/", data=data)
    assert response.status_code == 200
    assert projects() == 0


@pytest.mark.parametrize(("field", "value"), [("name", "nul\x00byte"), ("description", "bell\x07"), ("name", "\x9b")])
def test_back_office_forms_refuse_control_characters(office, approved_user, field, value):
    data = {"name": "Fine", "owner": str(approved_user.id), "status": "active", "description": "", field: value}
    response = office.post("/admin/projects/new/", data=data)
    assert response.status_code == 200
    assert "contains invisible control characters" in response.get_data(as_text=True)
    assert projects() == 0


def test_back_office_forms_keep_line_breaks_and_tabs(office, approved_user):
    data = {"name": "Fine", "owner": str(approved_user.id), "status": "active", "description": "one\r\n\ttwo"}
    response = office.post("/admin/projects/new/", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(Project.description)) == "one\r\n\ttwo"
