"""Where stored images live: the interface every backend offers the upload service.

``local.py`` keeps files on this machine (development: Render's disk is ephemeral);
``cloudinary.py`` is the only module that talks to Cloudinary.
"""

from dataclasses import dataclass
from typing import Protocol

from ...models import StorageBackend


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
    makes_thumbnails: bool  # False: save() expects CleanImage.thumbnails for every size in images.SIZES

    def save(self, image) -> StoredFile:
        """Store a CleanImage under a new, random key; raise StorageError on failure."""

    def delete(self, key) -> None:
        """Remove a stored file and its thumbnails; a file already gone is not an error."""

    def thumbnail_url(self, asset, size) -> str:
        """The URL of ``asset`` cropped to the named size (see images.SIZES)."""
