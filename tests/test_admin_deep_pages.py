"""Deep back-office pages find their ids on the sort index first, then join owners for those rows only."""

import re

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
