"""Declared filters and sorts on list pages: kept in the URL, combined with search and "Load more", few statements."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Integer, String, select, text
from sqlalchemy.orm import mapped_column

from tests.typed_models import JOB_FIELDS, Job, TypedBase, customer, job, typed  # noqa: F401
from webapp.extensions import db
from webapp.models import Project, ProjectStatus
from webapp.resources import Position, Resource, Sort
from webapp.services import settings

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(typed, approved_user, sign_in):
    """Alice, signed in, ten rows a page, reading times in Paris."""
    approved_user.settings = {"page_size": 10}
    db.session.commit()
    settings.set_time_zone(approved_user, "Europe/Paris")
    return sign_in.as_user(approved_user)


def titles(html):
    return re.findall(r'class="cell cell-title" href="/jobs/\d+">([^<]+)</a>', html)


def more_link(html):
    found = re.search(r'class="button" href="([^"]+)" hx-get', html)
    return found and found.group(1).replace("&amp;", "&")


def test_a_choice_filter_keeps_its_value_in_the_form_and_the_load_more_link(client, alice):
    for n in range(12):
        job(alice, f"Won {n:02}", stage="won")
    job(alice, "Lost one", stage="lost")
    html = client.get("/jobs/?stage=won&q=won").get_data(as_text=True)
    assert len(titles(html)) == 10 and "Lost one" not in html and '<option value="won" selected>' in html
    rest = client.get(more_link(html), headers=HX).get_data(as_text=True)
    assert "stage=won" in more_link(html) and "q=won" in more_link(html)
    assert titles(rest) == ["Won 01", "Won 00"]


def test_a_sort_walks_its_keyset_across_pages(client, alice):
    for n in (5, 3, 11, 1, 7, 9, 2, 10, 4, 8, 6, 12):
        job(alice, f"Job {n:02}")
    first = client.get("/jobs/?sort=title").get_data(as_text=True)
    assert titles(first) == [f"Job {n:02}" for n in range(1, 11)]
    second = client.get(more_link(first), headers=HX).get_data(as_text=True)
    assert titles(second) == ["Job 11", "Job 12"] and more_link(second) is None


def test_boolean_date_range_and_relation_filters_combine(client, alice):
    acme = customer(alice, "Acme")
    job(
        alice,
        "Match",
        done=True,
        due=date(2027, 3, 10),
        client_id=acme.id,
        starts=datetime(2027, 3, 9, 23, 30, tzinfo=UTC),
    )  # 10 March, 00:30 in Paris
    job(alice, "Not done", done=False, due=date(2027, 3, 10), client_id=acme.id)
    job(alice, "Too late", done=True, due=date(2027, 4, 1), client_id=acme.id)
    job(alice, "No client", done=True, due=date(2027, 3, 10))
    url = f"/jobs/?done=yes&due_from=2027-03-01&due_to=2027-03-31&client={acme.id}"
    assert titles(client.get(url).get_data(as_text=True)) == ["Match"]
    assert titles(client.get("/jobs/?starts_from=2027-03-10&starts_to=2027-03-10").get_data(as_text=True)) == ["Match"]


@pytest.mark.parametrize(
    "query",
    [
        "stage=maybe",
        "done=perhaps",
        "due_from=yesterday",
        "client=x",
        "sort=nope",
        "sort=title&after=!!!",
        "sort=title&after=WyJhIiwiYiJd",
        "after=abc",
    ],
)
def test_values_that_do_not_parse_are_ignored(client, alice, query):
    job(alice, "Kept")
    response = client.get(f"/jobs/?{query}")
    assert response.status_code == 200 and "Kept" in response.get_data(as_text=True)


def test_a_filtered_sorted_search_is_a_fragment_for_htmx_and_a_page_otherwise(client, alice):
    job(alice, "Roof", stage="won")
    page = client.get("/jobs/?stage=won&sort=title&q=ro").get_data(as_text=True)
    fragment = client.get("/jobs/?stage=won&sort=title&q=ro", headers=HX).get_data(as_text=True)
    assert "<html" in page and "<html" not in fragment and "Roof" in fragment


def test_a_filtered_sorted_page_costs_three_statements_without_counting(client, alice, count_queries, make):
    acme = customer(alice, "Acme")
    for n in range(30):
        job(alice, f"Job {n}", stage="won", done=True, client_id=acme.id)
    url = f"/jobs/?stage=won&done=yes&client={acme.id}&due_from=2020-01-01&sort=title&q=job"
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200 and len(titles(response.get_data(as_text=True))) <= 10
    assert counter.count <= 3, counter.statements
    assert "count(" not in " ".join(counter.statements).lower()


def test_projects_are_filtered_by_status_and_sorted_by_name(client, approved_user, sign_in, make, count_queries):
    sign_in.as_user(approved_user)
    make.project(approved_user, name="Zinc", status=ProjectStatus.active)
    make.project(approved_user, name="Attic", status=ProjectStatus.active)
    make.project(approved_user, name="Barn", status=ProjectStatus.done)
    with count_queries() as counter:
        html = client.get("/projects/?status=active&sort=name").get_data(as_text=True)
    assert counter.count <= 3
    assert html.index(">Attic<") < html.index(">Zinc<") and ">Barn<" not in html


def test_a_projects_due_date_is_set_and_filtered(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    client.post("/projects/", data={"name": "Roof", "status": "draft", "due_date": "2027-05-01"})
    assert db.session.query(Project).one().due_date == date(2027, 5, 1)
    assert ">Roof<" in client.get("/projects/?due_date_from=2027-05-01").get_data(as_text=True)
    assert ">Roof<" not in client.get("/projects/?due_date_to=2027-04-30").get_data(as_text=True)


class Unindexed(TypedBase):
    __tablename__ = "test_unindexed"
    id = mapped_column(Integer, primary_key=True)
    owner_id = mapped_column(Integer)
    title = mapped_column(String(10), nullable=False)
    note = mapped_column(String(10))
    position = mapped_column(Integer)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"sorts": (Sort("title", "Title", "title"),)}, "has no index to walk"),
        ({"sorts": (Sort("note", "Note", "note"),)}, "may be NULL"),
        ({"filters": ("title",)}, "must name a declared choice, boolean, date"),
        ({"filters": ("stage",), "order": Position("hours")}, "hand-ordered"),
    ],
)
def test_declarations_refuse_sorts_without_an_index_and_filters_they_cannot_serve(options, message):
    model = Job if "stage" in options.get("filters", ()) else Unindexed
    fields = JOB_FIELDS if model is Job else []
    with pytest.raises(ValueError, match=message):
        Resource(model=model, name="x", singular="x", plural="xs", owner="owner_id", fields=fields, **options)


def test_the_name_sort_walks_its_index_instead_of_sorting(app, approved_user, backend):
    from webapp.projects.declarations import PROJECTS
    from webapp.resources import listing as list_query

    query = list_query.ListQuery(sort=PROJECTS.sorts[1], after=("Barn", 7))
    ordering, keyset = list_query.order(PROJECTS, query)
    statement = select(Project.id).where(Project.owner_id == approved_user.id, keyset).order_by(*ordering).limit(26)
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if backend == "sqlite":
        plan = " ".join(str(r[-1]) for r in db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "ix_project_owner_id_name" in plan and "TEMP B-TREE" not in plan, plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(r[0]) for r in db.session.connection().exec_driver_sql("EXPLAIN " + sql))
        assert "ix_project_owner_id_name" in plan and "Sort" not in plan.replace("Sort Key", ""), plan
        db.session.rollback()


def test_a_form_sent_without_javascript_is_answered_at_the_short_url(client, alice):
    response = client.get("/jobs/?q=&stage=won&done=&sort=")
    assert response.status_code == 303 and response.headers["Location"] == "/jobs/?stage=won"
    assert client.get("/jobs/?q=&stage=", headers=HX).status_code == 200


@pytest.mark.parametrize("query", ["starts_to=9999-12-31", "starts_from=0001-01-01"])
def test_a_day_at_the_calendars_edge_is_a_page_not_a_server_error(client, alice, query):
    job(alice, "Kept", starts=datetime(2027, 3, 9, 23, 30, tzinfo=UTC))
    response = client.get(f"/jobs/?{query}")
    assert response.status_code == 200 and titles(response.get_data(as_text=True)) == ["Kept"]
