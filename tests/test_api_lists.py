"""API lists take the declared filters and sorts, read by the pages' listing code, combined with q and the cursor."""

from datetime import UTC, date, datetime

import pytest

from tests.api_typed import app  # noqa: F401  (jobs and customers get their API)
from tests.typed_models import customer, job
from webapp.extensions import db
from webapp.models import ProjectStatus
from webapp.services import settings


@pytest.fixture
def alice(approved_user):
    """Alice reads times in Paris."""
    settings.set_time_zone(approved_user, "Europe/Paris")
    return approved_user


@pytest.fixture
def caller(api, alice):
    return api(alice)


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [row["title"] for row in response.get_json()["data"]]


def test_projects_are_filtered_by_status(caller, alice, make):
    make.project(alice, name="Live", status=ProjectStatus.active)
    make.project(alice, name="Idle", status=ProjectStatus.on_hold)
    rows = caller.get("/api/v1/projects?status=active").get_json()["data"]
    assert [row["name"] for row in rows] == ["Live"]


def test_projects_sorted_by_name_page_by_cursor_with_a_search(caller, alice, make):
    for name in ("Delta roof", "Alpha roof", "Cellar", "Charlie roof", "Bravo roof"):
        make.project(alice, name=name)
    first = caller.get("/api/v1/projects?sort=name&q=roof&limit=2").get_json()
    assert [row["name"] for row in first["data"]] == ["Alpha roof", "Bravo roof"]
    rest = caller.get(f"/api/v1/projects?sort=name&q=roof&limit=2&after={first['meta']['next']}").get_json()
    assert [row["name"] for row in rest["data"]] == ["Charlie roof", "Delta roof"]
    assert rest["meta"]["next"] is None


def test_a_due_date_range_keeps_the_projects_within_it(caller, alice, make):
    make.project(alice, name="March", due_date=date(2027, 3, 10))
    make.project(alice, name="April", due_date=date(2027, 4, 1))
    make.project(alice, name="Undated")
    rows = caller.get("/api/v1/projects?due_date_from=2027-03-01&due_date_to=2027-03-31").get_json()["data"]
    assert [row["name"] for row in rows] == ["March"]


def test_boolean_date_range_and_relation_filters_combine(caller, alice):
    acme = customer(alice, "Acme")
    match = dict(done=True, due=date(2027, 3, 10), client_id=acme.id)
    job(alice, "Match", starts=datetime(2027, 3, 9, 23, 30, tzinfo=UTC), **match)  # 10 March, 00:30 in Paris
    job(alice, "Not done", **{**match, "done": False})
    job(alice, "Too late", **{**match, "due": date(2027, 4, 1)})
    job(alice, "No client", **{**match, "client_id": None})
    url = f"/api/v1/jobs?done=true&due_from=2027-03-01&due_to=2027-03-31&client={acme.id}"
    assert titles(caller.get(url)) == ["Match"]
    assert titles(caller.get("/api/v1/jobs?starts_from=2027-03-10&starts_to=2027-03-10")) == ["Match"]
    assert titles(caller.get("/api/v1/jobs?done=false")) == ["Not done"]


def test_a_choice_filter_a_sort_a_search_and_the_cursor_walk_every_row_once(caller, alice):
    for n in (5, 3, 11, 1, 7, 9, 2, 10, 4, 8, 6, 12):
        job(alice, f"Won {n:02}", stage="won")
    job(alice, "Won but lost", stage="lost")
    seen, after = [], ""
    for _ in range(5):
        page = caller.get(f"/api/v1/jobs?stage=won&sort=title&q=won&limit=5{after}").get_json()
        seen += [row["title"] for row in page["data"]]
        if page["meta"]["next"] is None:
            break
        after = f"&after={page['meta']['next']}"
    assert seen == [f"Won {n:02}" for n in range(1, 13)]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("stage=maybe", "stage"),
        ("done=perhaps", "done"),
        ("due_from=yesterday", "due_from"),
        ("starts_to=2027-02-30", "starts_to"),
        ("due_from=2027-04-01&due_to=2027-03-01", "due_to"),
        ("client=x", "client"),
        ("client=%C2%B2", "client"),
        ("sort=nope", "sort"),
        ("sort=title&after=!!!", "after"),
        ("sort=title&after=WyJhIiwiYiJd", "after"),
        ("sort=title&after=12", "after"),
        ("after=WyJhIiwxXQ", "after"),
        ("colour=red", "colour"),
        ("stage=%00", "stage"),
    ],
)
def test_a_filter_or_sort_value_that_does_not_parse_is_422_naming_it(caller, alice, query, parameter):
    job(alice, "Kept")
    response = caller.get(f"/api/v1/jobs?{query}")
    assert response.status_code == 422, response.get_json()
    assert parameter in response.get_json()["error"]["details"]


def test_every_problem_is_named_at_once(caller):
    response = caller.get("/api/v1/jobs?stage=maybe&sort=nope&limit=0&done=perhaps")
    assert set(response.get_json()["error"]["details"]) == {"stage", "sort", "limit", "done"}


def test_an_empty_filter_value_is_no_filter(caller, alice):
    job(alice, "Kept", stage="won")
    assert titles(caller.get("/api/v1/jobs?stage=&done=&due_from=")) == ["Kept"]


def test_a_child_list_takes_no_scope_or_filters(caller, alice, make):
    project = make.project(alice)
    response = caller.get(f"/api/v1/projects/{project.id}/specifications?scope=all&status=active")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"scope", "status"}


def test_an_administrator_filters_everyones_rows(api, admin, make):
    make.project(make.user(), name="Theirs", status=ProjectStatus.active)
    make.project(make.user(), name="Other", status=ProjectStatus.done)
    rows = api(admin).get("/api/v1/projects?scope=all&status=active&sort=name").get_json()["data"]
    assert [row["name"] for row in rows] == ["Theirs"]


def test_a_filtered_sorted_search_costs_at_most_three_statements(caller, alice, count_queries):
    acme = customer(alice, "Acme")
    url = f"/api/v1/jobs?stage=won&done=true&client={acme.id}&due_from=2020-01-01&sort=title&q=job&limit=100"
    caller.get(url)  # a key's first use in a minute also notes its last use: count the steady state
    for count in (2, 30):
        for n in range(count):
            job(alice, f"Job {n}", stage="won", done=True, client_id=acme.id, due=date(2027, 1, 1))
        with count_queries() as counter:
            assert len(titles(caller.get(url))) > 0
        assert counter.count <= 3, counter.statements
        assert "count(" not in " ".join(counter.statements).lower()


def test_someone_elses_related_row_filters_to_nothing(api, alice, make):
    stranger = make.user()
    theirs = customer(stranger, "Theirs")
    job(stranger, "Their job", client_id=theirs.id)
    job(alice, "Mine")
    assert titles(api(alice).get(f"/api/v1/jobs?client={theirs.id}")) == []
    db.session.rollback()


@pytest.mark.parametrize("query", ["starts_to=9999-12-31", "starts_from=0001-01-01", "due_to=9999-12-31"])
def test_a_day_at_the_calendars_edge_bounds_nothing(caller, alice, query):
    # In Paris, 0001-01-01 starts before the first moment datetime can hold in UTC; 9999-12-31 ends after the last.
    job(alice, "Kept", starts=datetime(2027, 3, 9, 23, 30, tzinfo=UTC), due=date(2027, 3, 10))
    assert titles(caller.get(f"/api/v1/jobs?{query}")) == ["Kept"]


def _encoded(value):
    """A cursor spelled as the pages spell theirs (URL-safe base64 of JSON, no padding), whatever it holds."""
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


FORGED_CURSORS = [
    "garbage",
    "====",
    "-1",
    "0",
    "1.5",
    "1e5",
    "9" * 30,
    "a" * 5000,
    _encoded({"title": "x"}),
    _encoded("x"),
    _encoded([1, 2, 3]),
    _encoded(["x"]),
    _encoded(["x", "1"]),
    _encoded(["x", 1.5]),
    _encoded(["x", True]),
    _encoded(["x", -5]),
    _encoded(["x", 10**30]),
    _encoded(["x", None]),
    _encoded([["x"], 1]),
    _encoded([None, 1]),
    _encoded([True, 1]),
    _encoded([10**30, 1]),
    _encoded(["x\u0000y", 1]),
]


@pytest.mark.parametrize("sort", ["", "newest", "title"])
def test_a_forged_cursor_is_422_naming_after(caller, alice, sort):
    job(alice, "Roof")
    for cursor in FORGED_CURSORS:
        response = caller.get(f"/api/v1/jobs?sort={sort}&after={cursor}")
        assert response.status_code == 422, f"{cursor[:60]}: {response.get_data(as_text=True)[:300]}"
        assert list(response.get_json()["error"]["details"]) == ["after"], cursor[:60]


@pytest.mark.parametrize(
    "path, repeated",
    [
        ("/api/v1/jobs?limit=1&limit=2", "limit"),
        ("/api/v1/jobs?q=a&q=b", "q"),
        ("/api/v1/jobs?stage=won&stage=open", "stage"),
        ("/api/v1/jobs?sort=title&sort=title", "sort"),
        ("/api/v1/jobs?after=1&after=2", "after"),
        ("/api/v1/projects?status=active&limit=5&status=draft", "status"),
        ("/api/v1/users?status=approved&status=pending", "status"),
        ("/api/v1/access-requests?limit=2&limit=3", "limit"),
    ],
)
def test_a_parameter_given_twice_is_422_naming_it(api, admin, path, repeated):
    response = api(admin).get(path)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["details"] == {repeated: ["Give this parameter once."]}


def test_an_unknown_repeated_and_bad_parameter_are_named_at_once(caller):
    response = caller.get("/api/v1/jobs?colour=red&q=a&q=b&limit=0")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"colour", "q", "limit"}


@pytest.mark.parametrize("path", ["/api/v1/users?statuss=approved", "/api/v1/access-requests?page=2"])
def test_the_accounts_and_requests_lists_refuse_a_parameter_they_do_not_take(api, admin, path):
    response = api(admin).get(path)
    assert response.status_code == 422
    [(name, [message])] = response.get_json()["error"]["details"].items()
    assert name == path.rpartition("?")[2].partition("=")[0] and "it takes" in message and "limit" in message


# Black-box sweep F7d: ?limit=1 on a hand-ordered list answered every row with meta.limit 1.
@pytest.mark.parametrize("query", ["limit=1", "after=1", "limit=x"])
def test_a_hand_ordered_list_takes_no_paging_parameters(caller, alice, make, query):
    specification = make.specification(make.project(alice))
    make.bullet_items(specification, "One", "Two")
    response = caller.get(f"/api/v1/specifications/{specification.id}/items?{query}")
    assert response.status_code == 422
    assert list(response.get_json()["error"]["details"]) == [query.partition("=")[0]]


def test_a_hand_ordered_list_answers_every_row_in_order(caller, alice, make):
    specification = make.specification(make.project(alice))
    make.bullet_items(specification, *[f"Item {n}" for n in range(30)])
    response = caller.get(f"/api/v1/specifications/{specification.id}/items")
    assert [row["text"] for row in response.get_json()["data"]] == [f"Item {n}" for n in range(30)]
    assert response.get_json()["meta"]["next"] is None


# Black-box sweep F7g: scope=all from someone who is not an administrator silently listed their own rows only.
def test_scope_all_from_a_non_administrator_is_422_naming_scope(caller, alice, make):
    make.project(alice, name="Mine")
    make.project(make.user(), name="Theirs")
    response = caller.get("/api/v1/projects?scope=all")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "scope": ["Only administrators can list every owner's rows; use mine."]
    }
    assert titles_of(caller.get("/api/v1/projects?scope=mine")) == ["Mine"]


def titles_of(response):
    assert response.status_code == 200, response.get_json()
    return [row["name"] for row in response.get_json()["data"]]
