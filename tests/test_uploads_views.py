"""The upload endpoint, local file serving and the cover demo form, over HTTP on local storage."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from tests.uploads_support import asset_count, image_bytes, post_multipart, upload
from webapp.extensions import db
from webapp.models import Asset
from webapp.services import uploads


def png_file(color="teal"):
    return FileStorage(io.BytesIO(image_bytes(color=color)), "photo.png", content_type="image/png")


def test_local_file_is_served_to_anyone_with_safe_headers(app, client, approved_user):
    asset = uploads.store_image(png_file(), approved_user)
    with client.get(asset.url) as response:  # anonymous: share pages show images too
        body = response.data
    assert response.status_code == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache


def test_local_thumbnail_is_served_at_its_size(app, client, approved_user):
    from PIL import Image

    asset = uploads.store_image(png_file(), approved_user)
    with client.get(uploads.thumbnail_url(asset, "card")) as response:
        body = response.data
    assert response.status_code == 200
    with Image.open(io.BytesIO(body)) as image:
        assert image.size == (480, 270)


@pytest.mark.parametrize("name", [
    "0123456789abcdef0123456789abcdef.png",  # well formed, never stored
    "passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "0123456789abcdef0123456789abcdef.svg",
    "0123456789ABCDEF0123456789ABCDEF.png",
])
def test_unknown_or_malformed_file_names_are_not_found(client, name):
    assert client.get(f"/uploads/files/{name}").status_code == 404


def test_htmx_upload_answers_with_the_field_carrying_the_new_asset(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = upload(client, image_bytes(), htmx=True, extra={"image_field_label": "Cover image"})
    html = response.get_data(as_text=True)
    asset = db.session.query(Asset).one()
    assert response.status_code == 200 and "<html" not in html
    assert f'<input type="hidden" name="cover" value="{asset.id}">' in html
    assert uploads.thumbnail_url(asset, "card") in html and "Uploaded. Save the form to keep it." in html
    assert 'name="cover_file"' in html and "Cover image" in html


def test_plain_post_to_the_upload_endpoint_gets_a_full_page(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = upload(client, image_bytes())
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)


def test_failed_upload_says_why_in_place_and_keeps_the_previous_image(client, approved_user, sign_in):
    previous = uploads.store_image(png_file(), approved_user)
    sign_in.as_user(approved_user)
    response = upload(client, b"not an image", htmx=True, extra={"cover": str(previous.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a JPEG, PNG, WebP or GIF image" in html and 'aria-invalid="true"' in html
    assert f'name="cover" value="{previous.id}"' in html and uploads.thumbnail_url(previous, "card") in html
    assert asset_count() == 1


def test_upload_without_a_file_asks_for_one(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = client.post("/uploads/images", data={"image_field_name": "cover"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Choose an image file" in response.get_data(as_text=True)


def test_upload_with_a_bad_field_name_is_a_bad_request(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    assert upload(client, image_bytes(), field="x\"><script>").status_code == 400
    assert asset_count() == 0


def test_failed_upload_never_previews_someone_elses_asset(client, approved_user, sign_in, make):
    theirs = uploads.store_image(png_file(), make.user())
    sign_in.as_user(approved_user)
    html = upload(client, b"nope", htmx=True, extra={"cover": str(theirs.id)}).get_data(as_text=True)
    assert theirs.url not in html and uploads.thumbnail_url(theirs, "card") not in html


def cover_url(project):
    return f"/uploads/demo/projects/{project.id}/cover"


def test_cover_demo_shows_the_field_in_a_multipart_form(client, approved_user, sign_in, make):
    project = make.project(approved_user)
    sign_in.as_user(approved_user)
    html = client.get(cover_url(project)).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="cover_file"' in html and "No image" in html


def test_cover_demo_saves_a_file_sent_without_javascript(client, approved_user, sign_in, make):
    project = make.project(approved_user)
    sign_in.as_user(approved_user)
    response = post_multipart(client, cover_url(project), {"cover": "", "cover_file": png_file()})
    assert response.status_code == 303 and response.headers["Location"].endswith(cover_url(project))
    assert project.cover is not None and project.cover.orphaned_at is None
    html = client.get(cover_url(project)).get_data(as_text=True)
    assert uploads.thumbnail_url(project.cover, "card") in html and uploads.thumbnail_url(project.cover, "thumb") in html


def test_cover_demo_saves_an_uploaded_asset_and_deletes_the_old_cover(client, approved_user, sign_in, make):
    project = make.project(approved_user)
    old = uploads.store_image(png_file("red"), approved_user)
    uploads.replace_image(project, "cover", old)
    old_id = old.id
    new = uploads.store_image(png_file("blue"), approved_user)
    sign_in.as_user(approved_user)
    assert client.post(cover_url(project), data={"cover": str(new.id)}).status_code == 303
    assert project.cover_asset_id == new.id and db.session.get(Asset, old_id) is None


def test_cover_demo_refuses_a_bad_file_and_keeps_the_cover(client, approved_user, sign_in, make):
    project = make.project(approved_user)
    cover = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(project, "cover", cover)
    sign_in.as_user(approved_user)
    bad = FileStorage(io.BytesIO(b"<svg onload=alert(1)>"), "x.png", content_type="image/png")
    response = post_multipart(client, cover_url(project), {"cover": str(cover.id), "cover_file": bad})
    assert response.status_code == 422 and "SVG images are not accepted" in response.get_data(as_text=True)
    assert project.cover_asset_id == cover.id and asset_count() == 1


def test_cover_demo_removes_the_cover(client, approved_user, sign_in, make):
    project = make.project(approved_user)
    uploads.replace_image(project, "cover", uploads.store_image(png_file(), approved_user))
    sign_in.as_user(approved_user)
    response = client.post(cover_url(project), data={"cover": str(project.cover_asset_id), "cover_remove": "1"})
    assert response.status_code == 303 and project.cover_asset_id is None and asset_count() == 0


def test_cover_demo_hides_other_peoples_projects(client, approved_user, sign_in, make):
    project = make.project(make.user())
    sign_in.as_user(approved_user)
    assert client.get(cover_url(project)).status_code == 404
    assert client.post(cover_url(project), data={"cover": ""}).status_code == 404


@pytest.fixture
def two_uploads_a_minute(app_config):
    """Rate limits on, two uploads a minute per user."""
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_UPLOAD="2 per minute")


@pytest.mark.usefixtures("two_uploads_a_minute")
def test_uploads_are_rate_limited_per_user(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    statuses = [upload(client, b"not an image").status_code for _ in range(3)]
    assert statuses[-1] == 429 and asset_count() == 0
