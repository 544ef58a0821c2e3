"""Image files for the upload tests, good and hostile, and fixtures running a test on each storage backend."""

import io
import os
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageOps
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.fakes.cloudinary import FakeCloudinary
from webapp.extensions import db
from webapp.models import Asset

STORAGE_KINDS = ("local", "cloudinary")


def image_bytes(size=(64, 48), fmt="PNG", color="teal", mode="RGB", **save_options):
    """A small solid image encoded as ``fmt``."""
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def scenery_png(
    size=(400, 300), sky=("#2f5fa8", "#a9c8ef"), hills=("#3f7d4e", "#2c5d39"), sun="#f4c542", compress_level=6
):
    """A small landscape (sky, sun, two hills), the same bytes on every run, so screenshots showing it stay stable.

    ``compress_level=0`` stores it uncompressed (~360 KB at 400x300): a throttled upload then takes a while.
    """
    width, height = size
    image = ImageOps.colorize(Image.linear_gradient("L").resize(size), *sky).convert("RGB")
    draw = ImageDraw.Draw(image)
    radius = height // 7
    draw.ellipse((width * 0.7 - radius, height * 0.3 - radius, width * 0.7 + radius, height * 0.3 + radius), fill=sun)
    draw.polygon([(0, height), (0, height * 0.62), (width * 0.35, height * 0.5), (width * 0.75, height)], fill=hills[0])
    draw.polygon(
        [(width * 0.3, height), (width * 0.7, height * 0.58), (width, height * 0.7), (width, height)], fill=hills[1]
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=compress_level)
    return buffer.getvalue()


def noise_png(size):
    """A PNG of random pixels: it barely compresses, so its byte size is about 3 × width × height."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=20000, height=20000):
    """A complete, valid 1-bit PNG of ``width`` × ``height`` black pixels that compresses to ~50 KB."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def jpeg_with_gps(size=(80, 60), orientation=None):
    """A JPEG carrying GPS coordinates, a camera model and a comment, as phones write them."""
    image = Image.new("RGB", size, "orange")
    exif = image.getexif()
    exif[ExifTags.Base.Model] = "Hyperphone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"taken at home")
    return buffer.getvalue()


SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>"""
HTML_TAIL = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(params=STORAGE_KINDS)
def storage_kind(request):
    """'local' or 'cloudinary': the storage backend this test's app uploads to."""
    return request.param


@pytest.fixture
def cloud():
    """A running Cloudinary stand-in on 127.0.0.1."""
    with FakeCloudinary() as fake:
        yield fake


@pytest.fixture
def app_config(app_config, storage_kind, cloud):
    """The app's settings, aimed at the fake Cloudinary for the cloudinary runs."""
    if storage_kind == "cloudinary":
        app_config["CLOUDINARY_URL"] = cloud.cloudinary_url()
    return app_config


@pytest.fixture
def stored(app, storage_kind, cloud):
    """A function listing what the backend holds: local file names, or Cloudinary public ids."""

    def listing():
        if storage_kind == "cloudinary":
            return sorted(cloud.uploads)
        folder = app.config["UPLOAD_FOLDER"]
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    return listing


def stored_bytes(app, cloud, asset):
    """The bytes a backend keeps for ``asset``."""
    if asset.storage == "cloudinary":
        return cloud.uploads[asset.key].bytes
    with open(os.path.join(app.config["UPLOAD_FOLDER"], asset.key), "rb") as handle:
        return handle.read()


def asset_count():
    return db.session.query(Asset).count()


def upload(client, data, filename="photo.png", content_type="image/png", htmx=False, field="cover", extra=None):
    """POST one file to the upload endpoint the way an image field does."""
    form = {
        "image_field_name": field,
        f"{field}_file": FileStorage(io.BytesIO(data), filename, content_type=content_type),
    }
    form.update(extra or {})
    return post_multipart(client, "/uploads/images", form, htmx=htmx)


def post_multipart(client, url, form, htmx=False):
    """POST ``form`` as multipart/form-data encoded in memory.

    The test client would spill bodies over 500 KB to a temporary file it never closes.
    """
    boundary, body = encode_multipart(MultiDict(form))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")
