"""A list's prebuilt statement (webapp/resources/prebuilt.py) shows the rows the statement built per page shows."""

from datetime import date

import pytest

from webapp.projects.declarations import PROJECTS, SPECIFICATIONS
from webapp.resources import listing as list_query
from webapp.resources import prebuilt, queries
from webapp.resources.search import SCAN_IN_PLACE_ROWS


def both_ways(monkeypatch, resource, user, **kwargs):
    """(prebuilt, built per page) Listings of the same request."""
    used = []
    with monkeypatch.context() as spied:
        original = prebuilt.page_rows
        spied.setattr(prebuilt, "page_rows", lambda *args: used.append(original(*args)) or used[-1])
        shown = queries.listing(resource, user, **kwargs)
    shown.prebuilt = used[-1] is not None
    with monkeypatch.context() as patched:
        patched.setattr(prebuilt, "page_rows", lambda *args: None)
        expected = queries.listing(resource, user, **kwargs)
    return shown, expected


def same(shown, expected):
    assert [row.id for row in shown.rows] == [row.id for row in expected.rows]
    assert shown.next_after == expected.next_after


@pytest.fixture
def owner(make):
    person = make.user(email="owner@example.com", status="approved")
    other = make.user(email="other@example.com", status="approved")
    for n in range(12):
        make.project(person, name=f"Roof {n % 5} 50%_off", description=f"Shed {n}", due_date=date(2026, 1, 1 + n))
        make.project(other, name=f"Roof {n}", description="elsewhere")
    return person


@pytest.mark.parametrize("q", ["", "roof", "ROOF 3", "50%_", "ro", "zzz", 'a"b'])
@pytest.mark.parametrize("sort", ["newest", "name"])
@pytest.mark.parametrize("everyone", [False, True])
def test_first_and_next_page_match_the_built_statement(monkeypatch, owner, q, sort, everyone):
    chosen = next(s for s in PROJECTS.sorts if s.key == sort)
    query = list_query.ListQuery(q=q, sort=chosen)
    shown, expected = both_ways(monkeypatch, PROJECTS, owner, size=5, everyone=everyone, query=query)
    same(shown, expected)
    assert shown.prebuilt
    while expected.next_after is not None:
        after = list_query.read(PROJECTS, {"q": q, "sort": sort, "after": str(expected.next_after)}).after
        query = list_query.ListQuery(q=q, sort=chosen, after=after)
        shown, expected = both_ways(monkeypatch, PROJECTS, owner, size=5, everyone=everyone, query=query)
        same(shown, expected)


def test_a_cursor_without_its_row_id_starts_from_the_top(monkeypatch, owner):
    query = list_query.ListQuery(sort=PROJECTS.sorts[1], after=("Roof 2", None))
    same(*both_ways(monkeypatch, PROJECTS, owner, size=5, query=query))


def test_children_of_a_parent_and_filtered_lists(monkeypatch, owner, make):
    project = make.project(owner, name="Parent")
    for n in range(4):
        make.specification(project, title=f"Spec {n}")
    same(*both_ways(monkeypatch, SPECIFICATIONS, owner, parent=project, size=3))
    query = list_query.read(PROJECTS, {"status": "draft", "q": "roof"})
    shown, expected = both_ways(monkeypatch, PROJECTS, owner, size=5, query=query)
    same(shown, expected)
    assert not shown.prebuilt  # filtered lists are built per page


def test_a_large_scope_is_searched_through_the_index(monkeypatch, app, make, backend):
    from sqlalchemy import insert

    from webapp.extensions import db
    from webapp.models import Project

    person = make.user(email="many@example.com", status="approved")
    rows = [{"owner_id": person.id, "name": f"Item {n}", "description": ""} for n in range(SCAN_IN_PLACE_ROWS + 5)]
    db.session.execute(insert(Project), rows)
    db.session.commit()
    query = list_query.ListQuery(q="item 200", sort=PROJECTS.default_sort)
    same(*both_ways(monkeypatch, PROJECTS, person, size=5, query=query))
