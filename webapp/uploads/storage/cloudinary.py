"""The Cloudinary backend: signed server-side uploads into one folder per environment.

The only module that calls the Cloudinary SDK. Thumbnails are URL transformations.
"""

import io
from urllib.parse import parse_qsl, unquote, urlsplit

from ...config import ConfigError
from ...models import StorageBackend
from ..images import CONTENT_TYPES, SIZES
from . import StorageError, StoredFile

UPLOAD_TIMEOUT = 60
DESTROY_TIMEOUT = 15
EXT_OF = {content_type: ext for ext, content_type in CONTENT_TYPES.items()}


def cloudinary_options(url):
    """SDK options read from CLOUDINARY_URL, passed on every call so no global SDK config is used."""
    parts = urlsplit(url)
    if parts.scheme != "cloudinary" or not (parts.username and parts.password and parts.hostname):
        raise ConfigError(["CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME."])
    query = {key: {"true": True, "false": False}.get(value, value) for key, value in parse_qsl(parts.query)}
    distribution = parts.path.strip("/") or None
    options = {
        "cloud_name": parts.hostname,
        "api_key": unquote(parts.username),
        "api_secret": unquote(parts.password),
        "private_cdn": bool(distribution),
        "secure_distribution": distribution,
        # Explicit None values keep any global SDK configuration (e.g. from the environment) out.
        "upload_prefix": None,
        "oauth_token": None,
        "upload_preset": None,
        "cname": None,
        # Delivery over HTTPS, unless the URL names its own domain (cname) or says otherwise.
        "secure": "cname" not in query,
    }
    options.update(query)
    return options


class CloudinaryStorage:
    """Signed server-side uploads into one folder per environment; thumbnails as URL transformations.

    The SDK (and the HTTP stack under it) is imported on first use, so workers of an app
    without Cloudinary, or that have not yet served an image, do not carry it.
    """

    kind = StorageBackend.cloudinary
    makes_thumbnails = True  # URL transformations: the upload needs only the clean image

    def __init__(self, url, folder):
        self.options = cloudinary_options(url)
        self.folder = folder

    def save(self, image):
        result = self._upload(image.data, resource_type="image", allowed_formats=sorted(CONTENT_TYPES))
        return StoredFile(
            result["public_id"],
            result["secure_url"],
            result["bytes"],
            result["width"],
            result["height"],
            image.content_type,
        )

    def save_file(self, document):
        """Upload a checked document (uploads/files.py) as a raw file, kept as sent."""
        result = self._upload(document.data, resource_type="raw")
        return StoredFile(result["public_id"], result["secure_url"], result["bytes"], 0, 0, document.content_type)

    def _upload(self, data, resource_type, **options):
        """Upload ``data`` as a new, never overwriting, file in this site's folder; Cloudinary's answer."""
        import cloudinary.exceptions
        import cloudinary.uploader

        try:
            return cloudinary.uploader.upload(
                io.BytesIO(data),
                folder=self.folder,
                resource_type=resource_type,
                type="upload",
                overwrite=False,
                timeout=UPLOAD_TIMEOUT,
                **options,
                **self.options,
            )
        except (cloudinary.exceptions.Error, ValueError) as error:
            raise StorageError(f"Cloudinary upload failed: {error}") from error

    def delete(self, key, resource_type="image"):
        import cloudinary.exceptions
        import cloudinary.uploader

        try:
            result = cloudinary.uploader.destroy(
                key,
                resource_type=resource_type,
                type="upload",
                invalidate=True,
                timeout=DESTROY_TIMEOUT,
                **self.options,
            )
        except (cloudinary.exceptions.Error, ValueError) as error:
            raise StorageError(f"Cloudinary destroy of {key} failed: {error}") from error
        if result.get("result") not in ("ok", "not found"):
            raise StorageError(f"Cloudinary destroy of {key} answered {result!r}")

    def thumbnail_url(self, asset, size):
        import cloudinary.utils

        width, height = SIZES[size]
        url, _ = cloudinary.utils.cloudinary_url(
            asset.key,
            resource_type="image",
            type="upload",
            format=EXT_OF.get(asset.content_type),
            width=width,
            height=height,
            crop="fill",
            gravity="auto",
            quality="auto",
            **self.options,
        )
        return url
