"""The flat back-office list page: its kept pieces (links, icons, URLs) follow the request they are shown to."""

import re

import pytest

from webapp.extensions import db
from webapp.models import User


@pytest.fixture
def office(client, sign_in, admin):
    sign_in.as_user(admin)
    return client


def tokens(html):
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', html))


def test_every_form_of_a_list_carries_this_sessions_token(app, office, make, admin, approved_user, sign_in):
    make.project(approved_user, name="First")
    first = office.get("/admin/projects/").get_data(as_text=True)
    other_admin = make.user(email="second-admin@example.com", role="admin", status="approved")
    second_client = app.test_client()
    sign_in_other = type(sign_in)(second_client)
    sign_in_other.as_user(other_admin)
    second = second_client.get("/admin/projects/").get_data(as_text=True)
    # The row's delete form is kept once rendered; its token is the page's own, never the first session's.
    assert 'action="/admin/projects/delete/"' in second
    assert len(tokens(first)) == 1 and len(tokens(second)) == 1 and tokens(first) != tokens(second)
    assert "__hyperdesk" not in first + second


def test_an_auditor_sees_no_delete_forms_after_an_admin_saw_them(app, office, make, approved_user, sign_in):
    make.project(approved_user, name="Shared")
    assert 'action="/admin/projects/delete/"' in office.get("/admin/projects/").get_data(as_text=True)
    auditor = make.user(email="auditor2@example.com", role="auditor", status="approved")
    reader = app.test_client()
    type(sign_in)(reader).as_user(auditor)
    html = reader.get("/admin/projects/").get_data(as_text=True)
    assert "Shared" in html
    assert "/admin/projects/delete/" not in html and "/admin/projects/edit/" not in html
    assert 'id="action_form"' not in html and "Create New Record" not in html


def test_links_follow_the_url_root_they_are_served_under(office, make, approved_user):
    make.project(approved_user, name="Rooted")
    plain = office.get("/admin/projects/").get_data(as_text=True)
    rooted = office.get("/admin/projects/", environ_overrides={"SCRIPT_NAME": "/desk"}).get_data(as_text=True)
    assert 'href="/admin/static/admin/css/bootstrap4/admin.css?v=1.1.1"' in plain
    assert 'href="/desk/admin/static/admin/css/bootstrap4/admin.css?v=1.1.1"' in rooted
    assert 'href="/desk/admin/projects/?sort=0&amp;page_size=25"' in rooted
    assert 'href="/desk/admin/projects/details/?id=' in rooted
    assert 'href="/admin/projects/details/?id=' in office.get("/admin/projects/").get_data(as_text=True)


def test_a_theme_choice_picks_its_swatch_on_the_list(office, admin):
    admin.settings = {**(admin.settings or {}), "theme": "dark"}
    db.session.commit()
    html = office.get("/admin/projects/").get_data(as_text=True)
    assert "swatch/slate/bootstrap.min.css" in html and "swatch/default/bootstrap.min.css" not in html
    assert db.session.get(User, admin.id).settings["theme"] == "dark"


def test_a_flashed_message_shows_on_the_list(office, make, approved_user):
    project = make.project(approved_user, name="Flashy")
    response = office.post("/admin/projects/delete/", data={"id": str(project.id), "url": "/admin/projects/"})
    assert response.status_code == 302
    html = office.get("/admin/projects/").get_data(as_text=True)
    assert "alert" in html and "Flashy" not in html.split("model-list", 1)[1]


def test_a_view_with_inline_editing_keeps_flask_admins_list(app, office, make, approved_user):
    make.project(approved_user, name="Editable")
    admin_app = next(a for a in app.extensions["admin"] if a.endpoint == "admin")
    view = next(v for v in admin_app._views if v.endpoint == "admin_project")
    view.column_editable_list = ["name"]  # this test's app only: each test builds its own
    view._refresh_cache()
    html = office.get("/admin/projects/").get_data(as_text=True)
    assert 'data-role="x-editable"' in html and "Editable" in html
    assert "bootstrap4-editable.min.js" in html
