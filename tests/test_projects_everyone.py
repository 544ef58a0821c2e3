"""Administrators can list every owner's projects in the app (read-only here, edited in the back office)."""

import re
from html import unescape

from webapp.extensions import db

HX = {"HX-Request": "true"}


def names(html):
    return [unescape(name) for name in re.findall(r'class="cell cell-title"[^>]*>([^<]+)<', html)]


def test_admin_sees_every_owners_projects_with_their_owners(client, sign_in, admin, approved_user, make):
    make.project(approved_user, name="Alice's launch")
    make.project(admin, name="Admin's audit")
    sign_in.as_user(admin)
    page = client.get("/projects/?scope=all").get_data(as_text=True)
    assert names(page) == ["Admin's audit", "Alice's launch"]
    assert "alice@example.com" in page and "Everyone's" in page


def test_others_rows_are_read_only_and_open_in_the_back_office(client, sign_in, admin, approved_user, make):
    project = make.project(approved_user, name="Alice's launch")
    sign_in.as_user(admin)
    page = client.get("/projects/?scope=all").get_data(as_text=True)
    assert f'href="/admin/projects/details/?id={project.id}"' in page
    assert f"/projects/{project.id}/edit" not in page and "Delete" not in page
    assert f'href="/projects/{project.id}"' not in page


def test_scope_all_is_ignored_for_people_who_are_not_admins(client, sign_in, approved_user, make):
    make.project(approved_user, name="Mine")
    make.project(make.user(), name="Someone else's")
    sign_in.as_user(approved_user)
    page = client.get("/projects/?scope=all").get_data(as_text=True)
    assert names(page) == ["Mine"]
    assert "Everyone's" not in page


def test_search_and_load_more_keep_the_scope(client, sign_in, admin, make):
    admin.settings = {"page_size": 10}
    db.session.commit()
    owners = [make.user() for _ in range(3)]
    for n in range(12):
        make.project(owners[n % 3], name=f"Quartz {n}")
        make.project(owners[n % 3], name=f"Opal {n}")
    sign_in.as_user(admin)
    first = client.get("/projects/?scope=all&q=quartz").get_data(as_text=True)
    assert names(first) == [f"Quartz {n}" for n in range(11, 1, -1)]
    assert '<input type="hidden" name="scope" value="all">' in first
    more = re.search(r'href="(/projects/\?[^"]*after=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "scope=all" in more and "q=quartz" in more
    rest = client.get(more, headers=HX).get_data(as_text=True)
    assert names(rest) == ["Quartz 1", "Quartz 0"]


def test_everyone_list_costs_three_statements_whatever_the_rows(client, sign_in, admin, make, count_queries):
    owners = [make.user() for _ in range(5)]
    for n in range(30):
        make.project(owners[n % 5])
    sign_in.as_user(admin)
    with count_queries() as counter:
        response = client.get("/projects/?scope=all")
    assert response.status_code == 200
    # The signed-in user, the page of projects with their owners, the nav's pending count.
    assert counter.count == 3, counter.statements


def test_a_word_in_most_rows_is_read_newest_first_from_the_index_page_by_page(
    client, sign_in, admin, make, count_queries, backend
):
    """On SQLite everyone's search reads the FTS5 index in id order and stops at a page (not every match first)."""
    admin.settings = {"page_size": 10}
    db.session.commit()
    owners = [make.user() for _ in range(3)]
    for n in range(24):
        make.project(owners[n % 3], name=f"Quartz {n}" if n % 8 else f"Opal {n}", description="common words")
    sign_in.as_user(admin)
    expected = [f"Quartz {n}" for n in range(23, -1, -1) if n % 8]
    url, seen = "/projects/?scope=all&q=quartz", []
    for _ in range(4):
        with count_queries() as counter:
            html = client.get(url).get_data(as_text=True)
        seen += names(html)
        limited = [sql for sql in counter.statements if "MATCH" in sql and "ORDER BY rowid DESC" in sql]
        assert bool(limited) == (backend == "sqlite")
        more = re.search(r'href="(/projects/\?[^"]*after=\d+[^"]*)"', html)
        if not more:
            break
        url = more.group(1).replace("&amp;", "&")
    assert seen == expected
    # With a filter or another order, every match is looked up as before (the same rows).
    html = client.get("/projects/?scope=all&q=quartz&sort=name").get_data(as_text=True)
    assert names(html) == sorted(expected)[:10]


def test_each_owner_is_shown_by_name_or_else_address_from_only_those_columns(
    client, sign_in, admin, make, count_queries
):
    make.project(make.user(email="named@example.com", name="Nora Named"), name="Named's")
    make.project(make.user(email="plain@example.com", name=""), name="Plain's")
    sign_in.as_user(admin)
    with count_queries() as counter:
        page = client.get("/projects/?scope=all").get_data(as_text=True)
    assert "Nora Named &lt;named@example.com&gt;" in page
    assert "plain@example.com &lt;plain@example.com&gt;" in page
    # Every further column of the owner would be converted again for each row (a JSON document, dates).
    rows = next(s for s in counter.statements if "FROM project" in s)
    assert "email" in rows and "settings" not in rows and "last_login_at" not in rows, rows
    assert counter.count == 3, counter.statements


def test_the_api_lists_everyones_rows_without_loading_their_owners(api, admin, approved_user, make, count_queries):
    make.project(approved_user, name="Alice's launch")
    with count_queries() as counter:
        response = api(admin).get("/api/v1/projects?scope=all")
    assert [row["owner_id"] for row in response.get_json()["data"]] == [approved_user.id]
    rows = next(s for s in counter.statements if "FROM project" in s)
    assert "users" not in rows.split("WHERE")[0], rows


def test_everyones_rows_are_laid_out_as_ones_own_picture_first_then_the_cells(
    client, sign_in, admin, approved_user, make
):
    make.project(approved_user, name="Alice's launch")
    sign_in.as_user(admin)
    everyone = client.get("/projects/?scope=all").get_data(as_text=True)
    sign_in.as_user(approved_user)
    own = client.get("/projects/").get_data(as_text=True)
    leading = r'<li id="projects-\d+" class="record">\s*<[^>]*class="[^"]*cell-thumb[^"]*"[^>]*>(?:</span>)?\s*<div class="record-main">'
    assert re.search(leading, own) and re.search(leading, everyone)


def test_everyones_list_says_whose_rows_it_shows(client, sign_in, admin):
    sign_in.as_user(admin)
    everyone = client.get("/projects/?scope=all").get_data(as_text=True)
    mine = client.get("/projects/").get_data(as_text=True)
    assert "Everyone's projects, each with its owner." in everyone and "Your projects" not in everyone
    assert "Your projects, their specifications and checklists." in mine and "each with its owner" not in mine
