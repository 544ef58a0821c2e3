"""Hostile and broken files, on both storage backends: refused with a clear message, or neutralised."""

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.uploads_support import (  # noqa: F401  (fixtures)
    HTML_TAIL,
    SVG_WITH_SCRIPT,
    app_config,
    asset_count,
    cloud,
    image_bytes,
    jpeg_with_gps,
    noise_png,
    png_bomb,
    post_multipart,
    storage_kind,
    stored,
    stored_bytes,
    upload,
)
from webapp.extensions import db
from webapp.models import Asset, Project

DAMAGED = "The image file is damaged or incomplete. Please upload it again."


def png_chunk(kind, data):
    """One PNG chunk: its length, type, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def palette_png(palette=None, transparency=None, size=(8, 8)):
    """An 8-bit palette PNG (colour type 3) of colour 0, its chunks sound; no PLTE or tRNS chunk when None."""
    width, height = size
    rows = b"".join(b"\x00" + bytes(width) for _ in range(height))  # each row: filter byte, one index per pixel
    chunks = [png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))]
    if palette is not None:
        chunks.append(png_chunk(b"PLTE", palette))
    if transparency is not None:
        chunks.append(png_chunk(b"tRNS", transparency))
    chunks += [png_chunk(b"IDAT", zlib.compress(rows)), png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


BLACK_AND_WHITE = b"\x00\x00\x00\xff\xff\xff"
# Pillow opens and decodes both, then fails on a later step: saving (no PLTE) or converting (300 alphas, 2 colours).
BROKEN_PALETTES = [
    ("palette PNG without PLTE", palette_png()),
    ("palette PNG with a tRNS longer than its PLTE", palette_png(BLACK_AND_WHITE, bytes(300))),
]

REFUSED = [
    (
        "text renamed .png",
        b"just some notes, not an image\n" * 20,
        "notes.png",
        "image/png",
        "is not a JPEG, PNG, WebP or GIF image",
    ),
    ("truncated PNG", noise_png((120, 90))[:5000], "cut.png", "image/png", "damaged or incomplete"),
    ("PNG header only", image_bytes()[:40], "tiny.png", "image/png", "is not a JPEG, PNG, WebP or GIF image"),
    ("20000x20000 PNG bomb", png_bomb(), "bomb.png", "image/png", "too many pixels"),
    ("SVG with script", SVG_WITH_SCRIPT, "logo.svg", "image/svg+xml", "SVG images are not accepted"),
    ("SVG renamed .png", SVG_WITH_SCRIPT, "logo.png", "image/png", "SVG images are not accepted"),
    ("PDF", b"%PDF-1.4\n1 0 obj<<>>endobj\n" * 10, "doc.png", "image/png", "is not a JPEG, PNG, WebP or GIF image"),
    (
        "BMP (a real image of another type)",
        image_bytes(fmt="BMP"),
        "old.png",
        "image/png",
        "is not a JPEG, PNG, WebP or GIF image",
    ),
    ("empty file", b"", "empty.png", "image/png", "The file is empty"),
    *((name, data, "cover.png", "image/png", DAMAGED) for name, data in BROKEN_PALETTES),
]


@pytest.mark.parametrize("name, data, filename, content_type, message", REFUSED, ids=[case[0] for case in REFUSED])
def test_hostile_file_is_refused_with_a_message_and_nothing_stored(
    client, approved_user, sign_in, stored, name, data, filename, content_type, message
):
    sign_in.as_user(approved_user)
    response = upload(client, data, filename, content_type, htmx=True)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []


def test_bomb_fixture_is_a_real_400_megapixel_png_under_100_kb(monkeypatch):
    bomb = png_bomb()
    assert len(bomb) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with Image.open(io.BytesIO(bomb)) as image:
        image.verify()  # every chunk and checksum is sound
        assert image.size == (20000, 20000)


@pytest.fixture
def one_megapixel(app_config):
    """Uploads capped at one megapixel."""
    app_config["MAX_UPLOAD_MEGAPIXELS"] = 1
    return app_config


def test_image_over_the_pixel_cap_is_refused_with_413(one_megapixel, client, approved_user, sign_in, stored):
    sign_in.as_user(approved_user)
    response = upload(client, image_bytes(size=(1001, 1000)))
    assert response.status_code == 413
    assert "at most 1 megapixels" in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []


@pytest.fixture
def small_limits(app_config):
    """Uploads capped at 1 MB (the whole request at 2 MB)."""
    app_config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    return app_config


def test_file_over_the_size_limit_is_refused_with_413(small_limits, client, approved_user, sign_in, stored):
    sign_in.as_user(approved_user)
    response = upload(client, noise_png((700, 600)))  # ~1.2 MB
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []


def test_request_over_the_request_limit_gets_the_413_page(small_limits, client, approved_user, sign_in, stored):
    sign_in.as_user(approved_user)
    response = upload(client, noise_png((1000, 900)))  # ~2.7 MB
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []


POLYGLOTS = [
    ("PNG with appended HTML", image_bytes() + HTML_TAIL, "page.png", b"<script"),
    (
        "GIF with appended script",
        image_bytes(fmt="GIF") + b";alert(document.cookie)//" + HTML_TAIL,
        "anim.gif",
        b"alert(",
    ),
    ("JPEG with a script in its comment", image_bytes(fmt="JPEG", comment=HTML_TAIL), "photo.jpg", b"<script"),
]


@pytest.mark.parametrize("name, data, filename, marker", POLYGLOTS, ids=[case[0] for case in POLYGLOTS])
def test_polyglot_is_stored_only_as_re_encoded_pixels(
    app, cloud, client, approved_user, sign_in, name, data, filename, marker
):
    assert marker in data
    sign_in.as_user(approved_user)
    assert upload(client, data, filename).status_code == 200
    asset = db.session.query(Asset).one()
    kept = stored_bytes(app, cloud, asset)
    assert marker not in kept and b"<html" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        image.load()


def test_path_traversal_name_is_ignored_for_a_random_key(
    app, cloud, client, approved_user, sign_in, stored, storage_kind
):
    sign_in.as_user(approved_user)
    assert upload(client, image_bytes(), filename="../../etc/passwd.png").status_code == 200
    asset = db.session.query(Asset).one()
    assert "passwd" not in asset.key and ".." not in asset.key and "passwd" not in asset.url
    if storage_kind == "local":
        assert all(len(name.split(".")[0]) == 32 for name in stored())
        assert not os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], "..", "..", "etc", "passwd.png"))
    else:
        assert cloud.uploads[asset.key].response["original_filename"] != "passwd"


def test_gps_and_other_metadata_are_stripped_before_storing(app, cloud, client, approved_user, sign_in):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    sign_in.as_user(approved_user)
    assert upload(client, original, "holiday.jpg", "image/jpeg").status_code == 200
    kept = stored_bytes(app, cloud, db.session.query(Asset).one())
    with Image.open(io.BytesIO(kept)) as image:
        assert dict(image.getexif()) == {} and "comment" not in image.info and image.format == "JPEG"
    assert b"Exif" not in kept and b"Hyperphone" not in kept and b"taken at home" not in kept


def test_rotated_photo_is_stored_upright(app, cloud, client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    # Orientation 6: the camera was turned, so viewers rotate 80x60 pixels to a 60x80 picture.
    assert upload(client, jpeg_with_gps(size=(80, 60), orientation=6), "turned.jpg", "image/jpeg").status_code == 200
    asset = db.session.query(Asset).one()
    with Image.open(io.BytesIO(stored_bytes(app, cloud, asset))) as image:
        assert image.size == (60, 80) == (asset.width, asset.height)


def test_the_palette_png_generator_makes_images_that_are_accepted(client, approved_user, sign_in, stored):
    sign_in.as_user(approved_user)
    response = upload(client, palette_png(BLACK_AND_WHITE, b"\x00"), "cover.png", htmx=True)
    assert response.status_code == 200
    assert asset_count() == 1 and stored() != []


# Issue: a palette PNG with no PLTE, or a tRNS longer than its PLTE, made every upload route answer 500
# (or 422 with Pillow's own "palette index out of range").
@pytest.mark.parametrize("name, data", BROKEN_PALETTES, ids=[case[0] for case in BROKEN_PALETTES])
def test_broken_palette_png_from_the_upload_endpoint_is_refused_as_damaged(
    client, approved_user, sign_in, stored, name, data
):
    sign_in.as_user(approved_user)
    extra = {"image_field_size": "card", "image_field_id": "x-cover", "cover": ""}
    response = upload(client, data, "cover.png", extra=extra)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert DAMAGED in html and "palette" not in html
    assert asset_count() == 0 and stored() == []


@pytest.mark.parametrize("editing", [False, True], ids=["create", "edit"])
@pytest.mark.parametrize("name, data", BROKEN_PALETTES, ids=[case[0] for case in BROKEN_PALETTES])
def test_broken_palette_png_sent_with_the_project_form_is_refused_as_damaged(
    client, approved_user, sign_in, make, stored, name, data, editing
):
    sign_in.as_user(approved_user)
    project = make.project(approved_user, name="Roof") if editing else None
    url = f"/projects/{project.id}/edit" if editing else "/projects/"
    cover = FileStorage(io.BytesIO(data), "cover.png", content_type="image/png")
    form = {"name": "Renamed roof", "status": "draft", "description": "", "cover": "", "cover_file": cover}
    response = post_multipart(client, url, form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert DAMAGED in html and "palette" not in html
    assert asset_count() == 0 and stored() == []
    kept = [(row.name, row.cover_asset_id) for row in db.session.scalars(select(Project))]
    assert kept == ([("Roof", None)] if editing else [])


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("name, data", BROKEN_PALETTES, ids=[case[0] for case in BROKEN_PALETTES])
def test_broken_palette_png_sent_to_the_api_is_refused_as_damaged(api, approved_user, make, stored, name, data, method):
    caller = api(approved_user)
    project = make.project(approved_user, name="Roof")
    path = "/api/v1/projects" if method == "POST" else f"/api/v1/projects/{project.id}"
    body = {"name": "Renamed roof", "cover": (io.BytesIO(data), "cover.png")}
    response = caller.client.open(
        path, method=method, data=body, headers=caller.headers, content_type="multipart/form-data", csrf=False
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["cover"] == [DAMAGED]
    assert "palette" not in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []
    assert [(row.name, row.cover_asset_id) for row in db.session.scalars(select(Project))] == [("Roof", None)]
