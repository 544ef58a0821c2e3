"""Checking an uploaded image and re-encoding it clean, before any storage sees a byte of it.

The real type is found by decoding with Pillow, never from the file name or the browser's
Content-Type. Re-encoding keeps only the pixels (and the colour profile), so EXIF and GPS
data, comments, XMP and anything appended to the file (a polyglot's HTML or script) are gone.
"""

import contextlib
import io
import logging
import math
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from ..exceptions import DomainError

log = logging.getLogger(__name__)

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
# Large images shrink by a whole factor first, down to this many times the thumbnail's size
# (RGB and greyscale by averaging; other modes by subsampling, from as small as twice the size,
# since their filters would first copy every pixel: see _shrunk).
REDUCING_GAP = 3
SUBSAMPLING_GAP = 2
# Kept from the decoded image's info: what the pixels need to look right, nothing about the author.
KEPT_INFO = ("transparency",)
ALLOWED_NAMES = "JPEG, PNG, WebP or GIF"
# A local thumbnail's file extension -> the Pillow format that writes it.
THUMBNAIL_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}
# What Pillow raises for damaged data once the header has been read: while decoding, but also
# while converting or encoding, since some damage only shows when a later step uses it.
DAMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
DAMAGED = "The image file is damaged or incomplete. Please upload it again."


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
    """A checked image's metadata-free encoding (and its thumbnails when asked for), ready to store.

    No decoded pixels are kept: a 40 MP image decoded is ~160 MB, freed before storage is called.
    """

    data: bytes
    format: str
    width: int
    height: int
    thumbnails: dict = field(default_factory=dict)  # size name -> encoded bytes (thumbnail_ext)

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
        raise UploadError(
            f"SVG images are not accepted because they can carry scripts. Please upload a {ALLOWED_NAMES} image."
        )
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


@contextlib.contextmanager
def _refused_when_damaged():
    """Turn what Pillow raises for damaged data, at any step, into the UploadError a person can act on."""
    try:
        yield
    except DAMAGE_ERRORS as error:
        # The library's own words name its internals, not the file: they go to the log only.
        log.info("Refused a damaged image: %s: %s", error.__class__.__name__, error)
        raise UploadError(DAMAGED) from None


def _decode(image):
    """Decode every pixel of the first frame, check its colours and turn it upright."""
    image.seek(0)  # animated GIF/WebP/PNG: the first frame only
    image.load()
    _check_palette(image)
    # In place: a copy of a 40 MP image would cost another ~120 MB.
    ImageOps.exif_transpose(image, in_place=True)


def _check_palette(image):
    """Refuse a palette image with no palette, or a transparency table Pillow cannot apply to it.

    Pillow loads both without complaint and fails only later, whichever step first uses them:
    saving a PNG with no PLTE chunk raises UnboundLocalError inside its writer, and converting
    one whose tRNS has more entries than its PLTE raises ValueError. Checked here, such a file is
    refused the same way on every storage, with or without thumbnails.
    """
    if image.mode not in ("P", "PA"):
        return
    if image.palette is None:
        raise UploadError(DAMAGED)
    # One pixel through the conversion thumbnails and encoders make: a bad table fails now, at no cost.
    image.crop((0, 0, 1, 1)).convert("RGBA")


def _encode(image, source_format):
    """Encode pixels only: a fresh info dict means no EXIF, comments or XMP are carried over."""
    icc_profile = image.info.get("icc_profile")
    image.info = {key: image.info[key] for key in KEPT_INFO if key in image.info}
    options = {}
    if source_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = _converted(image, "RGB")
        options = {"quality": JPEG_QUALITY, "icc_profile": icc_profile}
    elif source_format == "WEBP":
        if image.mode not in ("RGB", "RGBA"):
            image = _converted(image, "RGBA" if image.has_transparency_data else "RGB")
        options = {"quality": WEBP_QUALITY, "icc_profile": icc_profile}
    elif source_format == "PNG" and icc_profile:
        options = {"icc_profile": icc_profile}
    options = {key: value for key, value in options.items() if value is not None}
    buffer = io.BytesIO()
    image.save(buffer, format=source_format, **options)
    return image, buffer.getvalue()


def _converted(image, mode):
    """``image`` in ``mode``, the original's pixels freed at once (two full-size copies never coexist for long)."""
    converted = image.convert(mode)
    image.close()
    return converted


def clean_image(stream, limits, thumbnails=False):
    """Read, check and re-encode an uploaded image; UploadError says what is wrong with it.

    ``thumbnails``: also make the crops of SIZES (for storage that does not make its own). The
    decoded pixels are released before returning, so only encoded bytes reach storage.
    """
    data = read_limited(stream, limits.max_bytes)
    image = _open(data, limits)
    with _refused_when_damaged():
        return _cleaned(image, thumbnails)


def _cleaned(image, thumbnails):
    """The opened ``image`` decoded, re-encoded and (when asked) cropped into thumbnails; its pixels released."""
    source_format = image.format
    _decode(image)
    image, encoded = _encode(image, source_format)
    width, height = image.size
    made = {}
    if thumbnails and source_format == "JPEG":
        # A JPEG decodes at 1/2, 1/4 or 1/8 of its size nearly for free: free the full-size pixels,
        # then decode the clean encoding again just large enough for the biggest crop.
        image.close()
        image = _draft(encoded, width, height)
    if thumbnails:
        made = _thumbnails(image, source_format)
    image.close()
    return CleanImage(encoded, source_format, width, height, made)


def _draft(encoded, width, height):
    """The JPEG ``encoded`` decoded at the smallest DCT scale that still fills every thumbnail's crop."""
    scale = max(_crop_scale(width, height, target) for target in SIZES.values())
    image = Image.open(io.BytesIO(encoded), formats=["JPEG"])
    wanted = (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
    image.draft("RGB" if image.mode != "L" else "L", wanted)
    image.load()
    return image


def _crop_scale(width, height, target):
    """How much an image of ``width`` × ``height`` may shrink before its centre crop for ``target`` is too small."""
    target_width, target_height = target
    crop_width = min(width, height * target_width / target_height)
    return min(1.0, target_width / crop_width)


def _thumbnails(image, source_format):
    """The encoded crops of every size in SIZES, in the format local thumbnails use."""
    ext = thumbnail_ext(FORMATS[source_format][0])
    made = {}
    for size in SIZES:
        buffer = io.BytesIO()
        thumbnail(image, size).save(buffer, format=THUMBNAIL_FORMATS[ext])
        made[size] = buffer.getvalue()
    return made


def thumbnail(image, size):
    """A copy of ``image`` cropped from its centre to fill the named size, for local storage."""
    width, height = SIZES[size]
    source_width, source_height = image.size
    crop_width, crop_height = (
        min(source_width, source_height * width / height),
        min(source_height, source_width * height / width),
    )
    left, top = (source_width - crop_width) / 2, (source_height - crop_height) / 2
    box = (left, top, left + crop_width, top + crop_height)
    gap = REDUCING_GAP if image.mode in ("RGB", "L") else SUBSAMPLING_GAP
    factor = int(min(crop_width / width, crop_height / height) / gap)
    if factor > 1:
        image, box = _shrunk(image, box, factor), None
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    return image.resize((width, height), Image.Resampling.LANCZOS, box=box)


def _shrunk(image, box, factor):
    """The ``box`` of ``image`` made ``factor`` times smaller, without a full-size copy of the pixels.

    Pillow's filters premultiply alpha (RGBA, LA) and a palette must become RGB(A) first: both
    are whole-image copies, as large as the decoded image. Those modes are subsampled instead
    (the final LANCZOS pass from at least SUBSAMPLING_GAP times the thumbnail's size smooths it).
    """
    whole = tuple(round(edge) for edge in box)
    if image.mode in ("RGB", "L"):
        return image.reduce(factor, box=whole)
    smaller = (max(1, (whole[2] - whole[0]) // factor), max(1, (whole[3] - whole[1]) // factor))
    return image.resize(smaller, Image.Resampling.NEAREST, box=whole)


def thumbnail_ext(ext):
    """The file type of a local thumbnail: GIFs become PNGs so resizing keeps full colour."""
    return "png" if ext == "gif" else ext
