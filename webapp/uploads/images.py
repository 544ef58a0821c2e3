"""Checking an uploaded image and re-encoding it clean, before any storage sees a byte of it.

The real type is found by decoding with Pillow, never from the file name or the browser's
Content-Type. Re-encoding keeps only the pixels (and the colour profile), so EXIF and GPS
data, comments, XMP and anything appended to the file (a polyglot's HTML or script) are gone.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DomainError

# Pillow format name → (file extension, Content-Type). Nothing else is accepted.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
CONTENT_TYPES = {ext: content_type for ext, content_type in FORMATS.values()}
ACCEPT = ",".join(content_type for _, content_type in FORMATS.values())
# Thumbnail name → (width, height), cropped to fill. Local storage makes them at upload time,
# Cloudinary on the fly from the same numbers.
SIZES = {"thumb": (96, 96), "card": (480, 270)}
JPEG_QUALITY = 90
WEBP_QUALITY = 88
# Kept from the decoded image's info: what the pixels need to look right, nothing about the author.
KEPT_INFO = ("transparency",)
ALLOWED_NAMES = "JPEG, PNG, WebP or GIF"


class UploadError(DomainError):
    """An image was refused or could not be stored; nothing was saved. The message says why."""

    status = 422


@dataclass(frozen=True)
class Limits:
    """How large an upload may be, in bytes and in pixels."""

    max_bytes: int
    max_pixels: int

    @classmethod
    def from_config(cls, config):
        return cls(
            max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024,
            max_pixels=config["MAX_UPLOAD_MEGAPIXELS"] * 1_000_000,
        )


@dataclass(frozen=True)
class CleanImage:
    """A decoded, checked image and its metadata-free encoding, ready to store."""

    data: bytes
    image: Image.Image
    format: str
    width: int
    height: int

    @property
    def ext(self):
        return FORMATS[self.format][0]

    @property
    def content_type(self):
        return FORMATS[self.format][1]


def read_limited(stream, max_bytes):
    """The stream's bytes, or UploadError (413) as soon as it passes ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        megabytes = max_bytes / (1024 * 1024)
        raise UploadError(f"The image is larger than {megabytes:g} MB. Please choose a smaller file.", status=413)
    if not data:
        raise UploadError("The file is empty. Please choose an image.")
    return data


def _looks_like_svg(data):
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _open(data, limits):
    """Decode the header: the format and size, refusing bombs before any pixel is decoded."""
    if _looks_like_svg(data):
        raise UploadError(f"SVG images are not accepted because they can carry scripts. Please upload a {ALLOWED_NAMES} image.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; treat both the same.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(limits) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError(f"This file is not a {ALLOWED_NAMES} image.") from None
    if image.width * image.height > limits.max_pixels:
        raise _too_many_pixels(limits)
    return image


def _too_many_pixels(limits):
    return UploadError(
        f"The image has too many pixels (at most {limits.max_pixels // 1_000_000} megapixels). Please upload a smaller image.",
        status=413,
    )


def _decode(image):
    """Decode every pixel of the first frame and turn it upright, or UploadError when the file is damaged."""
    try:
        image.seek(0)  # animated GIF/WebP/PNG: the first frame only
        image.load()
        # In place: a copy of a 40 MP image would cost another ~120 MB.
        ImageOps.exif_transpose(image, in_place=True)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        raise UploadError("The image file is damaged or incomplete. Please upload it again.") from None


def _encode(image, source_format):
    """Encode pixels only: a fresh info dict means no EXIF, comments or XMP are carried over."""
    icc_profile = image.info.get("icc_profile")
    image.info = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    options = {}
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options = {"quality": JPEG_QUALITY, "icc_profile": icc_profile}
    elif source_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        options = {"quality": WEBP_QUALITY, "icc_profile": icc_profile}
    elif source_format == "PNG" and icc_profile:
        options = {"icc_profile": icc_profile}
    options = {key: value for key, value in options.items() if value is not None}
    buffer = io.BytesIO()
    image.save(buffer, format=source_format, **options)
    return image, buffer.getvalue()


def clean_image(stream, limits):
    """Read, check and re-encode an uploaded image; UploadError says what is wrong with it."""
    data = read_limited(stream, limits.max_bytes)
    image = _open(data, limits)
    source_format = image.format
    _decode(image)
    image, encoded = _encode(image, source_format)
    return CleanImage(encoded, image, source_format, image.width, image.height)


def thumbnail(image, size):
    """A copy of ``image`` cropped from its centre to fill the named size, for local storage."""
    width, height = SIZES[size]
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    source_width, source_height = image.size
    crop_width, crop_height = min(source_width, source_height * width / height), min(source_height, source_width * height / width)
    left, top = (source_width - crop_width) / 2, (source_height - crop_height) / 2
    # reducing_gap shrinks by whole factors first: several times faster on large photos, same look.
    return image.resize((width, height), Image.Resampling.LANCZOS, box=(left, top, left + crop_width, top + crop_height), reducing_gap=3.0)


def thumbnail_ext(ext):
    """The file type of a local thumbnail: GIFs become PNGs so resizing keeps full colour."""
    return "png" if ext == "gif" else ext
