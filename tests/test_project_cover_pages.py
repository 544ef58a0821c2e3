"""Where a cover shows: list thumbnails, the project page, the share page, the forms; still a fixed number of statements."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from tests.uploads_support import image_bytes, upload
from webapp.extensions import db
from webapp.resources import ImageField
from webapp.uploads import service as uploads

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


def cover_of(owner):
    return uploads.store_image(FileStorage(io.BytesIO(image_bytes()), "cover.png", content_type="image/png"), owner)


def test_list_rows_show_the_cover_thumbnail_or_an_empty_frame(client, alice, make):
    with_cover = make.project(alice, name="Boat", cover=cover_of(alice))
    make.project(alice, name="Barn")
    html = client.get("/projects/").get_data(as_text=True)
    assert f'<img class="cell cell-thumb" src="{uploads.thumbnail_url(with_cover.cover, "thumb")}"' in html
    assert html.count('class="cell cell-thumb cell-thumb-empty"') == 1


def test_project_page_shows_the_whole_cover(client, alice, make):
    project = make.project(alice, name="Boat", cover=cover_of(alice))
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'<img src="{project.cover.url}" alt="Cover of Boat" width="64" height="48">' in html
    assert "&lt;Asset" not in html  # the cover is a picture, not a value in the summary


def test_share_page_shows_the_cover_to_anyone(app, make, approved_user):
    project = make.project(approved_user, name="Boat", cover=cover_of(approved_user), share_token="t" * 43)
    html = app.test_client().get(f"/share/{'t' * 43}").get_data(as_text=True)
    assert f'<img src="{project.cover.url}" alt="Cover image of Boat"' in html
    with app.test_client().get(project.cover.url) as image:
        assert image.status_code == 200


@pytest.mark.parametrize("rows", [3, 60])
def test_list_with_covers_costs_the_same_few_statements(client, alice, make, count_queries, rows):
    alice.settings = {"page_size": 50}
    db.session.commit()
    for n in range(rows):
        make.project(alice, name=f"Project {n}", cover=cover_of(alice) if n % 2 else None)
    with count_queries() as counter:
        html = client.get("/projects/?q=project").get_data(as_text=True)
    shown_with_cover = sum(1 for n in range(max(0, rows - 50), rows) if n % 2)
    assert html.count('class="cell cell-thumb"') == shown_with_cover
    assert counter.count <= 3, counter.statements
    assert "left outer join asset" in counter.statements[-1].lower()  # the covers come with the rows


def test_project_page_with_a_cover_costs_three_statements(client, alice, make, count_queries):
    project = make.project(alice, cover=cover_of(alice))
    for _ in range(5):
        make.specification(project)
    url = f"/projects/{project.id}"
    with count_queries() as counter:
        html = client.get(url).get_data(as_text=True)
    assert 'class="record-image"' in html
    assert counter.count <= 3, counter.statements


def test_share_page_with_a_cover_costs_three_statements(app, make, approved_user, count_queries):
    project = make.project(approved_user, cover=cover_of(approved_user), share_token="s" * 43)
    make.bullet_items(make.specification(project), "one", "two")
    with count_queries() as counter:
        html = app.test_client().get(f"/share/{'s' * 43}").get_data(as_text=True)
    assert 'class="record-image"' in html
    assert counter.count <= 3, counter.statements


def test_project_forms_are_multipart_with_one_image_field_each(client, alice, make):
    project = make.project(alice, cover=cover_of(alice))
    page = client.get("/projects/").get_data(as_text=True)
    row_form = client.get(f"/projects/{project.id}/edit", headers=HX).get_data(as_text=True)
    assert 'enctype="multipart/form-data" hx-encoding="multipart/form-data"' in page
    assert 'id="projects-new-cover"' in page and 'name="cover_file"' in page and "No image" in page
    assert f'id="projects-{project.id}-form-cover"' in row_form and "Remove this image" in row_form
    assert f'<input type="hidden" name="cover" value="{project.cover_asset_id}">' in row_form


def test_upload_answers_the_field_under_the_id_it_was_given(client, alice):
    html = upload(client, image_bytes(), htmx=True, extra={"image_field_id": "projects-7-form-cover"}).get_data(
        as_text=True
    )
    assert (
        '<div class="image-field" id="projects-7-form-cover"' in html and 'hx-target="#projects-7-form-cover"' in html
    )


def test_upload_with_a_malformed_field_id_is_a_bad_request(client, alice):
    assert upload(client, image_bytes(), extra={"image_field_id": 'x" onclick="alert(1)'}).status_code == 400


def test_image_field_checks_its_preview_size():
    with pytest.raises(ValueError, match="size must be one of"):
        ImageField("cover", "Cover", size="poster")
