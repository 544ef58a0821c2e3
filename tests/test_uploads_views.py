"""The upload endpoint and local file serving, over HTTP on local storage."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from tests.uploads_support import asset_count, image_bytes, upload
from webapp.extensions import db
from webapp.models import Asset
from webapp.uploads import service as uploads


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


@pytest.mark.parametrize(
    "name",
    [
        "0123456789abcdef0123456789abcdef.png",  # well formed, never stored
        "passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "0123456789abcdef0123456789abcdef.svg",
        "0123456789ABCDEF0123456789ABCDEF.png",
    ],
)
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
    assert upload(client, image_bytes(), field='x"><script>').status_code == 400
    assert asset_count() == 0


def test_failed_upload_never_previews_someone_elses_asset(client, approved_user, sign_in, make):
    theirs = uploads.store_image(png_file(), make.user())
    sign_in.as_user(approved_user)
    html = upload(client, b"nope", htmx=True, extra={"cover": str(theirs.id)}).get_data(as_text=True)
    assert theirs.url not in html and uploads.thumbnail_url(theirs, "card") not in html


@pytest.fixture
def two_uploads_a_minute(app_config):
    """Rate limits on, two uploads a minute per user."""
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_UPLOAD="2 per minute")


@pytest.mark.usefixtures("two_uploads_a_minute")
def test_uploads_are_rate_limited_per_user(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    statuses = [upload(client, b"not an image").status_code for _ in range(3)]
    assert statuses[-1] == 429 and asset_count() == 0
