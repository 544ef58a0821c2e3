"""Where stored images live: the interface both backends share, and the local-disk backend.

The Cloudinary backend is in ``webapp/services/uploads.py``, the only module that talks to
Cloudinary. Local storage is for development: Render's disk is ephemeral.
"""

import io
import os
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from flask import current_app, has_request_context, url_for

from ..models import StorageBackend
from .images import SIZES, thumbnail, thumbnail_ext

# A stored file's name: 32 random hex characters, an optional size, a known extension.
# Anything else is refused before the disk is touched, so no path can be smuggled in.
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
LOCAL_NAME = re.compile(r"(?P<token>[0-9a-f]{32})(?:\.(?P<size>%s))?\.(?P<ext>jpg|png|webp|gif)" % "|".join(SIZES))


class StorageError(Exception):
    """A backend could not store or delete a file; the message is for the log, not the user."""


@dataclass(frozen=True)
class StoredFile:
    """What a backend reports after storing an image."""

    key: str
    url: str
    bytes: int
    width: int
    height: int
    content_type: str


class Storage(Protocol):
    """What every storage backend offers the upload service."""

    kind: StorageBackend

    def save(self, image) -> StoredFile:
        """Store a CleanImage under a new, random key; raise StorageError on failure."""

    def delete(self, key) -> None:
        """Remove a stored file and its thumbnails; a file already gone is not an error."""

    def thumbnail_url(self, asset, size) -> str:
        """The URL of ``asset`` cropped to the named size (see images.SIZES)."""


def _path_of(name):
    """The URL path serving a local file, with or without a request in progress."""
    if has_request_context():
        return url_for("uploads.local_file", name=name)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("uploads.local_file", {"name": name})


class LocalStorage:
    """Files in one folder on this machine, served by the app under unguessable names."""

    kind = StorageBackend.local

    def __init__(self, folder):
        self.folder = folder

    def save(self, image):
        token = secrets.token_hex(16)
        key = f"{token}.{image.ext}"
        files = {key: image.data}
        thumb_ext = thumbnail_ext(image.ext)
        for size in SIZES:
            buffer = io.BytesIO()
            thumbnail(image.image, size).save(buffer, format=PILLOW_FORMATS[thumb_ext])
            files[f"{token}.{size}.{thumb_ext}"] = buffer.getvalue()
        written = []
        try:
            os.makedirs(self.folder, exist_ok=True)
            for name, data in files.items():
                path = os.path.join(self.folder, name)
                # "x": never overwrite; a name collision would mean a broken random generator.
                with open(path, "xb") as handle:
                    written.append(path)
                    handle.write(data)
        except OSError as error:
            for path in written:
                _unlink(path)
            raise StorageError(f"could not write {key} under {self.folder}: {error}") from error
        return StoredFile(key, _path_of(key), len(image.data), image.width, image.height, image.content_type)

    def delete(self, key):
        match = LOCAL_NAME.fullmatch(key)
        if match is None or match["size"]:
            raise StorageError(f"not a local asset key: {key!r}")
        names = [key] + [f"{match['token']}.{size}.{thumbnail_ext(match['ext'])}" for size in SIZES]
        try:
            for name in names:
                _unlink(os.path.join(self.folder, name))
        except OSError as error:
            raise StorageError(f"could not delete {key} under {self.folder}: {error}") from error

    def thumbnail_url(self, asset, size):
        match = LOCAL_NAME.fullmatch(asset.key)
        return _path_of(f"{match['token']}.{size}.{thumbnail_ext(match['ext'])}")

    def path_for(self, name):
        """The file behind a served name, or None when the name is not one this backend makes."""
        return os.path.join(self.folder, name) if LOCAL_NAME.fullmatch(name) else None


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
