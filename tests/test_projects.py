"""The projects list: search, keyset paging, inline create/edit with 422s, delete, in both HTML shapes."""

import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, Project, ProjectStatus, Specification

HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


def row_names(html):
    """Project names in list order, read from the row links."""
    return re.findall(r'class="cell cell-title" href="/projects/\d+">([^<]*)</a>', html)


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


def test_list_shows_only_my_projects_newest_first_as_a_full_page(client, alice, make):
    make.project(alice, name="Older")
    make.project(alice, name="Newer")
    make.project(make.user(), name="Someone else's")
    response = client.get("/projects/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html
    assert row_names(html) == ["Newer", "Older"]


def test_boosted_navigation_gets_the_full_page(client, alice, make):
    make.project(alice, name="Roof")
    html = client.get("/projects/?q=roof", headers=BOOSTED).get_data(as_text=True)
    assert "<html" in html and row_names(html) == ["Roof"]


def test_search_fragment_holds_only_the_list(client, alice, make):
    make.project(alice, name="Kitchen remodel")
    make.project(alice, name="Garden")
    response = client.get("/projects/?q=kitchen", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="projects-list"' in html
    assert row_names(html) == ["Kitchen remodel"]


def test_search_is_a_case_insensitive_substring_of_name_or_description(client, alice, make):
    make.project(alice, name="Website RELAUNCH", description="")
    make.project(alice, name="Mobile", description="Relaunch the app store listing")
    make.project(alice, name="Report", description="Quarterly numbers")
    html = client.get("/projects/?q=launch").get_data(as_text=True)
    assert row_names(html) == ["Mobile", "Website RELAUNCH"]


def test_search_takes_percent_and_underscore_literally(client, alice, make):
    make.project(alice, name="Grow 100% organic")
    make.project(alice, name="Grow 1000 trees")
    make.project(alice, name="snake_case names")
    make.project(alice, name="snakeXcase names")
    assert row_names(client.get("/projects/?q=100%25").get_data(as_text=True)) == ["Grow 100% organic"]
    assert row_names(client.get("/projects/?q=e_c").get_data(as_text=True)) == ["snake_case names"]


def test_search_without_matches_says_so(client, alice, make):
    make.project(alice, name="Garden")
    html = client.get("/projects/?q=zebra", headers=HX).get_data(as_text=True)
    assert row_names(html) == [] and "No projects match “zebra”." in html


def test_load_more_continues_after_the_last_id_shown(client, alice, make):
    alice.settings = {"page_size": 10}
    db.session.commit()
    projects = [make.project(alice, name=f"P{n:02d}") for n in range(25)]
    first = client.get("/projects/").get_data(as_text=True)
    assert row_names(first) == [f"P{n:02d}" for n in range(24, 14, -1)]
    assert f'href="/projects/?after={projects[15].id}"' in first
    second = client.get(f"/projects/?after={projects[15].id}", headers=HX).get_data(as_text=True)
    assert "<html" not in second and 'id="projects-list"' not in second
    assert row_names(second) == [f"P{n:02d}" for n in range(14, 4, -1)]
    third = client.get(f"/projects/?after={projects[5].id}", headers=HX).get_data(as_text=True)
    assert row_names(third) == [f"P{n:02d}" for n in range(4, -1, -1)]
    assert "Load more" not in third


def test_load_more_keeps_the_search(client, alice, make):
    alice.settings = {"page_size": 10}
    db.session.commit()
    for n in range(12):
        make.project(alice, name=f"Match {n}")
        make.project(alice, name=f"Other {n}")
    first = client.get("/projects/?q=match").get_data(as_text=True)
    cursor = re.search(r'href="(/projects/\?q=match&amp;after=\d+)"', first).group(1).replace("&amp;", "&")
    rest = client.get(cursor, headers=HX).get_data(as_text=True)
    assert row_names(rest) == ["Match 1", "Match 0"]


def test_later_page_without_htmx_is_a_full_page_with_a_way_back(client, alice, make):
    alice.settings = {"page_size": 10}
    db.session.commit()
    projects = [make.project(alice) for _ in range(12)]
    html = client.get(f"/projects/?after={projects[2].id}").get_data(as_text=True)
    assert "<html" in html and len(row_names(html)) == 2 and "Back to the first page" in html


@pytest.mark.parametrize("rows", [3, 60])
def test_list_costs_the_same_few_statements_whatever_the_rows(client, alice, make, count_queries, backend, rows):
    alice.settings = {"page_size": 50}
    db.session.commit()
    for n in range(rows):
        make.project(alice, name=f"Project {n}", description="with details")
    with count_queries() as counter:
        response = client.get("/projects/?q=project")
    assert response.status_code == 200
    assert counter.count <= 3, counter.statements
    sql = " ".join(counter.statements).lower()
    assert "count(" not in sql
    # SQLAlchemy writes every SQLite LIMIT as "LIMIT ? OFFSET ?" with an offset of 0.
    assert "offset" not in sql or backend == "sqlite"


def test_a_later_page_starts_after_the_cursor_instead_of_skipping_rows(client, alice, make, count_queries):
    projects = [make.project(alice) for _ in range(3)]
    with count_queries() as counter:
        client.get(f"/projects/?after={projects[1].id}", headers=HX)
    page_query = counter.statements[-1].lower()
    assert "project.id < " in page_query and "order by project.id desc" in page_query


def test_create_inline_answers_a_fresh_form_and_the_new_row(client, alice):
    response = client.post("/projects/", data={"name": "Roof", "status": "active", "description": "Fix it"}, headers=HX)
    html = response.get_data(as_text=True)
    project = db.session.scalar(select(Project))
    assert response.status_code == 200 and "<html" not in html
    assert (project.name, project.status, project.owner_id) == ("Roof", ProjectStatus.active, alice.id)
    assert 'id="projects-new-name" name="name" required autofocus value=""' in html
    assert 'hx-swap-oob="afterbegin:#projects-rows"' in html and f'id="projects-{project.id}"' in html
    assert "Added project" in response.headers["HX-Trigger"]


def test_create_without_htmx_redirects_to_the_list_with_a_message(client, alice):
    response = client.post("/projects/", data={"name": "Roof", "status": "draft"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/projects/")
    assert "Added project “Roof”." in client.get("/projects/").get_data(as_text=True)


def test_create_with_a_blank_name_is_422_in_place_keeping_what_was_typed(client, alice):
    response = client.post("/projects/", data={"name": "  ", "status": "done", "description": "Keep me"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert "Name is required." in html and 'aria-invalid="true"' in html
    assert "Keep me</textarea>" in html and '<option value="done" selected>' in html
    assert db.session.scalar(select(Project)) is None


def test_create_with_a_blank_name_without_htmx_is_a_full_422_page(client, alice):
    response = client.post("/projects/", data={"name": "", "status": "draft"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in html and "Name is required." in html


def test_create_with_an_unknown_status_is_422(client, alice):
    response = client.post("/projects/", data={"name": "Roof", "status": "archived"}, headers=HX)
    assert response.status_code == 422 and "Choose one of the listed values" in response.get_data(as_text=True)


def test_create_with_a_too_long_name_is_422(client, alice):
    response = client.post("/projects/", data={"name": "x" * 201, "status": "draft"}, headers=HX)
    assert response.status_code == 422 and "at most 200 characters" in response.get_data(as_text=True)


def test_edit_is_the_row_as_a_form_for_htmx_and_a_page_otherwise(client, alice, make):
    project = make.project(alice, name="Roof")
    fragment = client.get(f"/projects/{project.id}/edit", headers=HX).get_data(as_text=True)
    page = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "<html" not in fragment and f'<li id="projects-{project.id}" class="record record-editing">' in fragment
    assert 'value="Roof"' in fragment and "autofocus" in fragment
    assert "<html" in page and "Edit project" in page


def test_update_inline_answers_the_row(client, alice, make):
    project = make.project(alice, name="Roof")
    response = client.post(f"/projects/{project.id}/edit", data={"name": "New roof", "status": "done"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'<li id="projects-{project.id}" class="record">' in html and "data-focus" in html
    assert db.session.get(Project, project.id).name == "New roof"


def test_update_with_a_blank_name_is_422_and_changes_nothing(client, alice, make):
    project = make.project(alice, name="Roof", description="Old")
    response = client.post(
        f"/projects/{project.id}/edit", data={"name": "", "status": "done", "description": "New"}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "record-editing" in html and "New</textarea>" in html
    stored = db.session.get(Project, project.id)
    assert (stored.name, stored.description, stored.status) == ("Roof", "Old", ProjectStatus.draft)


def test_update_without_htmx_returns_to_the_page_it_came_from(client, alice, make):
    project = make.project(alice)
    response = client.post(
        f"/projects/{project.id}/edit", data={"name": "Renamed", "status": "draft", "next": "/projects/?q=ren"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/projects/?q=ren"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_update_never_redirects_off_site(client, alice, make, next_url):
    project = make.project(alice)
    response = client.post(
        f"/projects/{project.id}/edit", data={"name": "Renamed", "status": "draft", "next": next_url}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/projects/{project.id}"


def test_delete_asks_first_on_a_page_that_needs_no_javascript(client, alice, make):
    project = make.project(alice, name="Roof")
    html = client.get(f"/projects/{project.id}/delete").get_data(as_text=True)
    assert "<html" in html and "Delete project?" in html
    assert f'<form method="post" action="/projects/{project.id}/delete"' in html


def test_delete_with_htmx_answers_nothing_so_the_row_goes(client, alice, make):
    project = make.project(alice, name="Roof")
    make.specification(project)
    response = client.post(f"/projects/{project.id}/delete", headers=HX)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert "Deleted project" in response.headers["HX-Trigger"]
    assert db.session.scalar(select(Project)) is None and db.session.scalar(select(Specification)) is None


def test_delete_without_htmx_redirects_to_the_list(client, alice, make):
    project_id = make.project(alice).id
    response = client.post(f"/projects/{project_id}/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/projects/")
    assert db.session.get(Project, project_id) is None


def test_create_update_and_delete_are_in_the_audit_log(client, alice, make):
    client.post("/projects/", data={"name": "Roof", "status": "draft"})
    project_id = db.session.scalar(select(Project.id))
    client.post(f"/projects/{project_id}/edit", data={"name": "Roof", "status": "done"})
    client.post(f"/projects/{project_id}/delete")
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        ("project.created", alice.id, str(project_id)),
        ("project.updated", alice.id, str(project_id)),
        ("project.deleted", alice.id, str(project_id)),
    ]
    assert events[1].details == {"changes": {"status": {"before": "draft", "after": "done"}}, "via": "pages"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/projects/{id}"),
        ("GET", "/projects/{id}/edit"),
        ("POST", "/projects/{id}/edit"),
        ("GET", "/projects/{id}/delete"),
        ("POST", "/projects/{id}/delete"),
        ("GET", "/projects/{id}/specifications/"),
        ("GET", "/projects/{id}/specifications/new"),
        ("POST", "/projects/{id}/specifications/"),
    ],
)
def test_someone_elses_project_is_not_found(client, alice, make, method, path):
    theirs = make.project(make.user(), name="Theirs")
    response = client.open(
        path.format(id=theirs.id), method=method, data={"name": "Mine now", "status": "draft", "title": "x"}, headers=HX
    )
    assert response.status_code == 404
    assert db.session.get(Project, theirs.id).name == "Theirs"
