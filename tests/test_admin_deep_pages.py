"""Deep back-office pages find their ids on the sort index first, then join owners for those rows only."""

import re
from html import unescape

import pytest

from webapp.extensions import db
from webapp.models import Asset, Project


@pytest.fixture
def office(client, sign_in, admin):
    sign_in.as_user(admin)
    return client


@pytest.fixture
def sixty(make, admin, approved_user):
    """60 projects of two owners, every fourth named "Even …", the others "Odd …" (searched by name only)."""
    owners = (admin, approved_user)
    return [
        make.project(owners[n % 2], name=f"{'Even' if n % 4 == 0 else 'Odd'} {n:02d}", description="-")
        for n in range(60)
    ]


def shown_names(html):
    return re.findall(r">\s*((?:Even|Odd) \d\d)\s*<", html[html.index("model-list") :])


def newest_first(query):
    return [p.name for p in query.order_by(Project.id.desc())]


def test_a_deep_page_shows_the_rows_after_the_skipped_ones_newest_first(office, sixty, count_queries):
    with count_queries() as counter:
        html = office.get("/admin/projects/?page=1").get_data(as_text=True)
    assert shown_names(html) == newest_first(db.session.query(Project))[25:50]
    assert counter.count <= 3
    # OFFSET walks the narrow id query only; the owners are joined for the page's rows alone.
    offset = [sql for sql in counter.statements if "OFFSET" in sql.upper()]
    assert len(offset) == 1 and "JOIN" not in offset[0].upper() and "users" not in offset[0]
    joined = [sql for sql in counter.statements if "FROM project" in sql and "JOIN users" in sql]
    assert len(joined) == 1 and "OFFSET" not in joined[0].upper()


def test_a_deep_page_shows_the_owners_of_its_rows(office, sixty, approved_user, admin):
    html = office.get("/admin/projects/?page=1").get_data(as_text=True)
    table = html[html.index("model-list") :]
    assert approved_user.email in table or approved_user.name in table
    assert admin.email in table or admin.name in table


def test_a_deep_page_of_a_search_keeps_the_search_and_its_order(office, sixty):
    html = office.get("/admin/projects/?search=odd&page=1").get_data(as_text=True)
    odds = newest_first(db.session.query(Project).filter(Project.name.like("Odd%")))
    assert len(odds) == 45 and shown_names(html) == odds[25:]


def test_a_page_past_the_end_is_empty_not_an_error(office, sixty):
    response = office.get("/admin/projects/?page=40")
    assert response.status_code == 200
    assert shown_names(response.get_data(as_text=True)) == []


def test_a_cover_is_shown_from_the_lists_join_without_another_statement(office, make, approved_user, count_queries):
    url = "/uploads/boat.png"
    cover = Asset(
        owner=approved_user, storage="local", key="covers/boat.png", url=url, content_type="image/png", bytes=68
    )
    cover.width = cover.height = 1
    make.project(approved_user, name="Odd 01", cover=cover)
    db.session.expunge_all()  # the page loads the cover itself, as a fresh request would
    with count_queries() as counter:
        html = office.get("/admin/projects/").get_data(as_text=True)
    assert f'<img class="hd-thumb" src="{url}" alt="covers/boat.png"' in html
    lazy = [sql for sql in counter.statements if sql.lstrip().startswith(("SELECT asset.", "SELECT users."))]
    assert counter.count <= 3 and not lazy, counter.statements  # no column of the cover loaded on its own


def pager_link(html, arrow):
    """The href of the pager's "<" or ">" link."""
    match = re.search(r'<a class="page-link" href="([^"]*)">' + re.escape(arrow) + "</a>", html)
    return unescape(match.group(1))


def test_next_and_previous_continue_from_the_page_edges_without_offset(office, sixty, count_queries, backend):
    names = newest_first(db.session.query(Project))
    first = office.get("/admin/projects/?page_size=25").get_data(as_text=True)
    second_url = pager_link(first, "&gt;")
    assert "after=" in second_url and "page=1" in second_url
    with count_queries() as counter:
        second = office.get(second_url).get_data(as_text=True)
    assert shown_names(second) == names[25:50]
    assert counter.count <= 2
    # The page's rows (with their owners) from the cursor on, in one statement.
    (rows,) = [sql for sql in counter.statements if "project.id <" in sql]
    # SQLAlchemy writes SQLite's LIMIT with an OFFSET of 0; PostgreSQL's shows that nothing is skipped.
    assert "LIMIT" in rows.upper() and (backend == "sqlite" or "OFFSET" not in rows.upper())
    third = office.get(pager_link(second, "&gt;")).get_data(as_text=True)
    assert shown_names(third) == names[50:]
    back = pager_link(third, "&lt;")
    assert "before=" in back
    assert shown_names(office.get(back).get_data(as_text=True)) == names[25:50]
    # Back to the first page: a plain address, without a cursor or a page number.
    assert pager_link(second, "&lt;") == "/admin/projects/?page_size=25"


def test_walking_a_search_by_cursor_shows_each_match_once(office, sixty):
    odds = newest_first(db.session.query(Project).filter(Project.name.like("Odd%")))
    url, seen = "/admin/projects/?search=odd&page_size=25", []
    for _ in range(5):
        html = office.get(url).get_data(as_text=True)
        seen += shown_names(html)
        url = pager_link(html, "&gt;")
        if "after=" not in url:
            break
    assert seen == odds


def test_the_next_page_continues_after_the_last_row_seen_when_rows_are_added(office, sixty, make, approved_user):
    names = newest_first(db.session.query(Project))
    first = office.get("/admin/projects/").get_data(as_text=True)
    make.project(approved_user, name="Even 99", description="-")  # would shift an OFFSET page by one row
    assert shown_names(office.get(pager_link(first, "&gt;")).get_data(as_text=True)) == names[25:50]


@pytest.mark.parametrize(
    "cursor",
    ["after=abc", "after=0", "after=-5", "after=%D9%A1%D9%A2", "after=9" * 3 + "9" * 30, "after=%00", "before="],
)
def test_a_cursor_that_is_not_an_id_falls_back_to_the_page_number(office, sixty, cursor):
    response = office.get(f"/admin/projects/?page=1&{cursor}")
    assert response.status_code == 200
    assert shown_names(response.get_data(as_text=True)) == newest_first(db.session.query(Project))[25:50]


def test_other_orders_page_by_number(office, sixty):
    html = office.get("/admin/projects/?sort=2").get_data(as_text=True)  # by name
    assert "after=" not in pager_link(html, "&gt;")
    # The cursor of one link is not carried into the page's other links.
    html = office.get(pager_link(office.get("/admin/projects/").get_data(as_text=True), "&gt;")).get_data(as_text=True)
    table_links = re.findall(r'href="(/admin/projects/[^"]*)"', html[html.index("model-list") :])
    assert not [link for link in table_links if "after=" in link and "page=2" not in link]
