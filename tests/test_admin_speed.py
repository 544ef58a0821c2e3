"""What the back office keeps to answer a list cheaply: access answers per request, its static files' URLs."""

import re

import pytest
from flask_login import login_user

from webapp.admin import base
from webapp.extensions import db
from webapp.models import Role


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


def menu_links(html):
    nav = html[html.index("<nav") : html.index("</nav>")]
    return set(re.findall(r'href="(/admin/[a-z-]+/)"', nav))


def projects_view(app):
    admin = next(a for a in app.extensions["admin"] if a.endpoint == "admin")
    return next(view for view in admin._views if view.endpoint == "admin_project")


def test_a_role_change_shows_in_the_menu_on_the_next_page(office, admin):
    before = menu_links(office.get("/admin/access-requests/").get_data(as_text=True))
    assert {"/admin/users/", "/admin/projects/", "/admin/access-requests/"} <= before
    admin.role = Role.approver
    db.session.commit()
    after = menu_links(office.get("/admin/access-requests/").get_data(as_text=True))
    assert "/admin/access-requests/" in after
    assert "/admin/users/" not in after and "/admin/projects/" not in after


def test_access_is_decided_once_per_view_and_request_and_again_after_a_role_change(app, admin, monkeypatch):
    view = projects_view(app)
    asked = []
    decide = base.AdminAccessMixin.admits_request
    monkeypatch.setattr(base.AdminModelView, "admits_request", lambda self, user: asked.append(1) or decide(self, user))
    with app.test_request_context("/admin/projects/"):
        login_user(admin)
        assert view.is_accessible() and view.is_accessible() and len(asked) == 1
        admin.role = Role.user
        assert not view.is_accessible() and len(asked) == 2
    with app.test_request_context("/admin/projects/"):
        login_user(admin)
        assert not view.is_accessible() and len(asked) == 3  # a new request asks again


def test_static_urls_are_kept_up_to_a_bound(app, monkeypatch):
    view = projects_view(app)
    monkeypatch.setattr(base, "STATIC_URLS_KEPT", 5)
    app.extensions.pop("admin_static_urls", None)
    with app.test_request_context("/admin/projects/"):
        urls = [view.get_url("admin.static", filename=f"f{n}.css", v="1") for n in range(8)]
        again = view.get_url("admin.static", filename="f7.css", v="1")
    assert urls == [f"/admin/static/f{n}.css?v=1" for n in range(8)] and again == urls[7]
    assert len(app.extensions["admin_static_urls"]) == 5


def test_the_menu_is_kept_per_page_and_role_up_to_a_bound(office, app, admin, monkeypatch):
    monkeypatch.setattr(base, "MENUS_KEPT", 2)
    app.extensions.pop("admin_menus", None)
    pages = ["/admin/users/", "/admin/projects/", "/admin/assets/"]
    first = [menu_links(office.get(page).get_data(as_text=True)) for page in pages]
    assert len(app.extensions["admin_menus"]) <= 2
    assert [menu_links(office.get(page).get_data(as_text=True)) for page in pages] == first
    admin.role = Role.auditor
    db.session.commit()
    html = office.get("/admin/projects/").get_data(as_text=True)
    assert "read-only" in html and menu_links(html) == first[1]  # an auditor reads every list


def test_views_added_later_show_in_kept_menus(app):
    from webapp.admin import note_views

    app.extensions["admin_menus"] = {"stale": "menu"}
    note_views(app, next(a for a in app.extensions["admin"] if a.endpoint == "admin"))
    assert "admin_menus" not in app.extensions


@pytest.fixture
def named(make, admin, approved_user):
    """30 projects named "Odd 00" … "Odd 29" of two owners, every third with "Quartz" in its description."""
    owners = (admin, approved_user)
    return [
        make.project(owners[n % 2], name=f"Odd {n:02d}", description="Quartz mine" if n % 3 == 0 else "-")
        for n in range(30)
    ]


def shown_names(html):
    return re.findall(r">\s*(Odd \d\d)\s*<", html[html.index("model-list") :])


def newest_first(projects, keep):
    return [p.name for p in sorted(projects, key=lambda p: p.id, reverse=True) if keep(p)]


def test_a_one_word_search_finds_the_pages_matches_newest_first_through_the_index(
    office, named, count_queries, backend
):
    with count_queries() as counter:
        html = office.get("/admin/projects/?search=QUARTZ").get_data(as_text=True)
    assert shown_names(html) == newest_first(named, lambda p: "quartz" in p.description.lower())
    if backend == "sqlite":  # the FTS5 table read newest first, stopping at a page
        assert any("project_search MATCH" in sql and "ORDER BY rowid DESC" in sql for sql in counter.statements)
    else:  # ILIKE on the column itself, which its trigram index serves
        assert any("project.description ILIKE" in sql for sql in counter.statements)


def test_every_word_of_a_search_must_match_somewhere(office, named):
    html = office.get("/admin/projects/?search=quartz+odd+1").get_data(as_text=True)
    expected = newest_first(named, lambda p: "quartz" in p.description.lower() and "1" in p.name)
    assert expected and shown_names(html) == expected


def test_a_one_word_search_walks_its_pages_by_cursor(office, named):
    first = office.get("/admin/projects/?search=odd&page_size=25").get_data(as_text=True)
    link = re.search(r'<a class="page-link" href="([^"]*after=[^"]*)">&gt;</a>', first).group(1)
    second = office.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert shown_names(first) + shown_names(second) == newest_first(named, lambda p: True)


@pytest.mark.parametrize("page", ["/admin/projects/", "/admin/projects/?page=1"])
def test_rows_join_only_what_is_shown_of_their_owner(office, make, admin, count_queries, page):
    owners = [make.user(name=f"Owner {n}") for n in range(3)]
    for n in range(30):
        make.project(owners[n % 3], name=f"Project {n}")
    with count_queries() as counter:
        html = office.get(page).get_data(as_text=True)
    assert all(owner.email in html for owner in owners)
    rows = next(s for s in counter.statements if "FROM project" in s and "JOIN users" in s)
    # Every further column of the owner would be converted again for each row (a JSON document, dates).
    assert "email" in rows and "settings" not in rows and "last_login_at" not in rows, rows
