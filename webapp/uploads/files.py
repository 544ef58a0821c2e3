"""Checking an uploaded document (a PDF, a spreadsheet…) against the types a file field declares.

The type is read from the content, never trusted from the browser: the name's extension
must be one the field accepts AND the bytes must look like that type. Documents are stored
as sent (they are not re-encoded like images) and always served as downloads.
"""

import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from .images import UploadError


def _is_text(data):
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _zip_with(member_prefix):
    def check(data):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError):
            return False
        return any(name.startswith(member_prefix) for name in names)

    return check


@dataclass(frozen=True)
class FileType:
    """A kind of document a file field may accept: its extension, Content-Type, name and content check."""

    ext: str
    content_type: str
    name: str
    looks_right: Callable[[bytes], bool]


FILE_TYPES = {
    t.ext: t
    for t in (
        FileType("pdf", "application/pdf", "PDF", lambda data: data.startswith(b"%PDF-")),
        FileType("txt", "text/plain", "text", _is_text),
        FileType("csv", "text/csv", "CSV", _is_text),
        FileType("md", "text/markdown", "Markdown", _is_text),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word",
            _zip_with("word/"),
        ),
        FileType(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", _zip_with("xl/")
        ),
        FileType("odt", "application/vnd.oasis.opendocument.text", "OpenDocument text", _zip_with("content.xml")),
        FileType("zip", "application/zip", "ZIP", _zip_with("")),
    )
}
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\"<>|:*?]")


@dataclass(frozen=True)
class CleanFile:
    """A checked document ready to store: its bytes, type and a display name safe to show and send."""

    data: bytes
    type: FileType
    filename: str

    @property
    def ext(self):
        return self.type.ext

    @property
    def content_type(self):
        return self.type.content_type


def display_name(filename, ext):
    """The uploaded file's own name, without any path or characters a header or a page would choke on."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    base = UNSAFE_NAME.sub("_", base).strip(" .")[:150]
    return base if base.lower().endswith(f".{ext}") else f"{base or 'file'}.{ext}"


def describe(types):
    """The accepted types in words: "PDF or Word"."""
    names = [FILE_TYPES[t].name for t in types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def clean_file(upload, types, max_bytes):
    """Read and check an uploaded document; UploadError (nothing stored) says what is wrong."""
    ext = os.path.splitext(upload.filename or "")[1].lower().lstrip(".")
    if ext not in types:
        raise UploadError(f"This file type is not accepted here. Please choose a {describe(types)} file.")
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(
            f"The file is larger than {max_bytes / (1024 * 1024):g} MB. Please choose a smaller file.", status=413
        )
    if not data:
        raise UploadError("The file is empty. Please choose another.")
    file_type = FILE_TYPES[ext]
    if not file_type.looks_right(data):
        raise UploadError(f"This file is not a {file_type.name} file, whatever its name says.")
    return CleanFile(data, file_type, display_name(upload.filename, ext))
