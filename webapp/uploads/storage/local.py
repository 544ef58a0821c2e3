"""The local-disk backend: files in one folder, served by the app under unguessable names.

For development: Render's disk is ephemeral.
"""

import contextlib
import os
import re
import secrets

from flask import current_app, has_request_context, url_for

from ...models import StorageBackend
from ..files import FILE_TYPES
from ..images import SIZES, thumbnail_ext
from . import StorageError, StoredFile

# A stored file's name: 32 random hex characters, an optional size, a known extension.
# Anything else is refused before the disk is touched, so no path can be smuggled in.
LOCAL_NAME = re.compile(
    r"(?P<token>[0-9a-f]{32})(?:\.(?P<size>%s))?\.(?P<ext>jpg|png|webp|gif|%s)"
    % ("|".join(SIZES), "|".join(FILE_TYPES))
)


def _path_of(name):
    """The URL path serving a local file, with or without a request in progress."""
    if has_request_context():
        return url_for("uploads.local_file", name=name)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("uploads.local_file", {"name": name})


class LocalStorage:
    """Files in one folder on this machine, served by the app under unguessable names."""

    kind = StorageBackend.local
    makes_thumbnails = False  # the app makes them while checking the image (images.clean_image)

    def __init__(self, folder):
        self.folder = folder

    def save(self, image):
        token = secrets.token_hex(16)
        key = f"{token}.{image.ext}"
        files = {key: image.data}
        thumb_ext = thumbnail_ext(image.ext)
        for size in SIZES:
            files[f"{token}.{size}.{thumb_ext}"] = image.thumbnails[size]
        self._write(key, files)
        return StoredFile(key, _path_of(key), len(image.data), image.width, image.height, image.content_type)

    def save_file(self, document):
        """Store a checked document (uploads/files.py) as it came, under a new random name."""
        key = f"{secrets.token_hex(16)}.{document.ext}"
        self._write(key, {key: document.data})
        return StoredFile(key, _path_of(key), len(document.data), 0, 0, document.content_type)

    def _write(self, key, files):
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

    def delete(self, key, resource_type="image"):
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
        if match is None or match["size"]:
            # Not a file this backend made (a row typed into the back office): no thumbnails exist.
            return asset.url
        return _path_of(f"{match['token']}.{size}.{thumbnail_ext(match['ext'])}")

    def path_for(self, name):
        """The file behind a served name, or None when the name is not one this backend makes."""
        return os.path.join(self.folder, name) if LOCAL_NAME.fullmatch(name) else None


def _unlink(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
