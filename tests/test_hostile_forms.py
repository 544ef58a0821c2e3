"""Crafted form posts to the pages: refused with a message in place (values kept, nothing stored), never a 500."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Asset, Project

HX = {"HX-Request": "true"}
NOT_A_FILE = "takes a file chosen with the file picker"


@pytest.fixture
def alice(approved_user, sign_in):
    sign_in.as_user(approved_user)
    return approved_user


# Issue 16: a text part named like the image's file field answered 500 on project create and edit.
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_text_part_named_like_the_cover_file_is_refused_on_create(client, alice, headers):
    data = {"name": "Kept name", "status": "active", "cover": "", "cover_file": "not a file"}
    response = client.post("/projects/", data=data, headers=headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert NOT_A_FILE in body and 'value="Kept name"' in body
    assert db.session.scalars(select(Project)).all() == []
    assert db.session.scalars(select(Asset)).all() == []


def test_a_text_part_named_like_the_cover_file_is_refused_on_edit(client, alice, make):
    project = make.project(alice, name="Before")
    data = {"name": "After", "status": "active", "cover": "", "cover_file": "not a file"}
    response = client.post(f"/projects/{project.id}/edit", data=data)
    assert response.status_code == 422 and NOT_A_FILE in response.get_data(as_text=True)
    db.session.refresh(project)
    assert project.name == "Before"


def test_an_empty_text_part_named_like_the_cover_file_means_no_file(client, alice):
    data = {"name": "Plain", "status": "active", "cover": "", "cover_file": ""}
    response = client.post("/projects/", data=data)
    assert response.status_code == 303
    assert [project.name for project in db.session.scalars(select(Project))] == ["Plain"]


# Issue 16: NUL reached PostgreSQL (a 500, anonymously too) from share links, search and list cursors.
@pytest.mark.parametrize("token", ["%00", "abc%00def", "%C2%B2", "a" * 65, "%E2%80%AEabc", "abc%20def"])
def test_a_share_token_of_the_wrong_shape_is_not_found(client, token):
    response = client.get(f"/share/{token}")
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_search_drops_control_characters_and_searches_the_rest(client, alice, make, headers):
    make.project(alice, name="Boat refit")
    make.project(alice, name="Barn roof")
    response = client.get("/projects/?q=Bo%00at%1b", headers=headers)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Boat refit" in body and "Barn roof" not in body


def test_a_sort_cursor_holding_nul_shows_the_first_page(client, alice, make):
    import base64
    import json

    make.project(alice, name="Kept")
    cursor = base64.urlsafe_b64encode(json.dumps(["a\u0000", 1]).encode()).decode().rstrip("=")
    response = client.get(f"/projects/?sort=name&after={cursor}")
    assert response.status_code == 200 and "Kept" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"), [("name", "nul\x00byte"), ("description", "escape\x1b[31m"), ("name", "c1\x85control")]
)
def test_page_forms_refuse_control_characters_in_place(client, alice, field, value):
    data = {"name": "Fine", "status": "active", "cover": "", "description": "", field: value}
    response = client.post("/projects/", data=data, headers=HX)
    assert response.status_code == 422
    assert "contains invisible control characters" in response.get_data(as_text=True)
    assert db.session.scalars(select(Project)).all() == []


def test_a_sort_cursor_nested_too_deeply_shows_the_first_page(client, alice, make):
    import base64

    make.project(alice, name="Kept")
    cursor = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode()
    response = client.get(f"/projects/?sort=name&after={cursor}")
    assert response.status_code == 200 and "Kept" in response.get_data(as_text=True)
