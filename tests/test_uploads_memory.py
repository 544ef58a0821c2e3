"""The memory uploads may take: decodes bounded per process (503 and Retry-After when busy), no pixels kept, JPEG thumbnails drafted."""

# Issue 16: four 155 KB PNGs of 6320x6320 sent at once took the two workers of a 512 MB instance from
# ~115 MB to ~420 MB each. Each process now decodes at most UPLOAD_DECODES images at a time.

import dataclasses
import io
import json
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests.uploads_support import (  # noqa: F401  (fixtures)
    app_config,
    asset_count,
    cloud,
    image_bytes,
    post_multipart,
    storage_kind,
    stored,
    upload,
)
from webapp.extensions import db
from webapp.models import Project
from webapp.uploads import images
from webapp.uploads.decoding import DecodeSlots

BUSY = "The server is busy with other images right now"
HX = {"HX-Request": "true"}


@pytest.fixture
def app_config(app_config):  # noqa: F811
    """One decode at a time, and no waiting for it: a held slot means busy at once."""
    app_config.update(UPLOAD_DECODES=1, UPLOAD_DECODE_WAIT=0)
    return app_config


@pytest.fixture
def busy(app):
    """Every decode slot of this process taken, as by another upload in progress."""
    with app.extensions["uploads"].decoding.slot():
        yield


@pytest.fixture
def alice(approved_user, sign_in):
    sign_in.as_user(approved_user)
    return approved_user


def test_an_htmx_upload_while_busy_is_a_503_toast_with_retry_after(client, alice, busy, stored):
    response = upload(client, image_bytes(), htmx=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert BUSY in json.loads(response.headers["HX-Trigger"])["toast"][0]["message"]
    assert asset_count() == 0 and stored() == []


def test_a_plain_upload_while_busy_is_a_503_page(client, alice, busy, stored):
    response = upload(client, image_bytes())
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert BUSY in response.get_data(as_text=True) and "<html" in response.get_data(as_text=True)
    assert asset_count() == 0 and stored() == []


def test_a_form_sent_with_its_file_while_busy_stores_nothing(client, alice, busy, stored):
    cover = FileStorage(io.BytesIO(image_bytes()), "c.png", content_type="image/png")
    form = {"name": "With cover", "status": "active", "cover": "", "cover_file": cover}
    response = post_multipart(client, "/projects/", form)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert db.session.scalars(select(Project)).all() == [] and stored() == []


def test_an_api_upload_while_busy_is_a_json_503(api, approved_user, busy, stored):
    caller = api(approved_user)
    data = {"name": "With cover", "cover": (io.BytesIO(image_bytes()), "cover.png")}
    response = caller.client.post(
        "/api/v1/projects", data=data, headers=caller.headers, content_type="multipart/form-data", csrf=False
    )
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert response.get_json()["error"]["code"] == "unavailable"
    assert db.session.scalars(select(Project)).all() == [] and stored() == []


def test_the_slot_is_free_again_after_a_refused_image(client, alice, stored):
    assert upload(client, b"not an image at all", htmx=True).status_code == 422
    assert upload(client, image_bytes(), htmx=True).status_code == 200
    assert asset_count() == 1


def test_a_second_slot_lets_two_decodes_run_at_once(app, client, alice):
    app.extensions["uploads"] = dataclasses.replace(app.extensions["uploads"], decoding=DecodeSlots(2, 0))
    with app.extensions["uploads"].decoding.slot():
        assert upload(client, image_bytes(), htmx=True).status_code == 200


def test_a_checked_image_keeps_no_decoded_pixels():
    clean = images.clean_image(io.BytesIO(image_bytes((300, 200))), images.Limits(1 << 20, 1 << 20), thumbnails=True)
    assert not hasattr(clean, "image")
    assert set(clean.thumbnails) == set(images.SIZES)


def test_jpeg_thumbnails_are_decoded_at_reduced_size():
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "orange").save(buffer, "JPEG")
    drafted = images._draft(buffer.getvalue(), 4000, 3000)
    # The card crop (480x270 from 4000x2250) needs only an eighth of the pixels in each direction.
    assert drafted.size == (500, 375)
    clean = images.clean_image(io.BytesIO(buffer.getvalue()), images.Limits(1 << 24, 1 << 30), thumbnails=True)
    for size, (width, height) in images.SIZES.items():
        assert Image.open(io.BytesIO(clean.thumbnails[size])).size == (width, height)


PEAK_SCRIPT = """
import io, sys
from webapp.uploads.images import Limits, clean_image
data = open(sys.argv[1], "rb").read()
def kb(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field + ":"))
before = kb("VmRSS")
clean_image(io.BytesIO(data), Limits(1 << 30, 1 << 40), thumbnails=True)
print((kb("VmHWM") - before) // 1024)
"""


def test_checking_a_16_megapixel_rgba_png_with_thumbnails_stays_near_one_decoded_copy(tmp_path):
    # 16 MP x 4 bytes = 61 MiB decoded; thumbnails used to add a premultiplied copy (~130 MiB in all).
    # bench/upload_memory.py measures the whole range (docs/uploads.md).
    image = Image.new("RGBA", (4000, 4000), (20, 120, 160, 200))
    ImageDraw.Draw(image).ellipse((1000, 1000, 3000, 3000), fill="orange")
    image.save(tmp_path / "big.png")
    command = [sys.executable, "-c", PEAK_SCRIPT, str(tmp_path / "big.png")]
    extra_mb = int(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    assert extra_mb < 90, f"checking the image took {extra_mb} MB above the process's size"


def test_render_yaml_sets_the_limits_the_deploy_guide_states(tmp_path):
    import pathlib

    import yaml

    from webapp.config import Config

    root = pathlib.Path(__file__).resolve().parents[1]
    service = next(s for s in yaml.safe_load((root / "render.yaml").read_text())["services"] if s["type"] == "web")
    env = {item["key"]: item.get("value") for item in service["envVars"]}
    assert (env["MAX_UPLOAD_MEGAPIXELS"], env["UPLOAD_DECODES"], env["WEB_CONCURRENCY"]) == ("16", "1", "2")
    defaults = Config(str(tmp_path))
    assert (defaults.MAX_UPLOAD_MEGAPIXELS, defaults.UPLOAD_DECODES) == (16, 1)
    guide = (root / "docs" / "deploy.md").read_text()
    assert "`MAX_UPLOAD_MEGAPIXELS=16`" in guide and "`UPLOAD_DECODES=1`" in guide
