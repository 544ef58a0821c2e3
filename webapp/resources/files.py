"""File fields: a document of declared types (e.g. PDF), stored by the same backends as images."""

from flask import current_app

from ..exceptions import FieldError
from ..uploads import service as uploads
from ..uploads.files import FILE_TYPES, describe
from .fields import ImageField


class FileField(ImageField):
    """A document of the declared ``types`` (extensions from uploads/files.py: pdf, txt, csv, md, docx, xlsx, odt, zip).

    Column: like an image, ``ForeignKey("asset.id", ondelete="SET NULL")``, nullable, plus a
    many-to-one ``relationship()`` to ``Asset`` (the field is declared on the relationship's
    name), so a replaced or removed document, or the one of a deleted row, is deleted from
    storage after the commit. The file travels with the form (with or without JavaScript);
    its type is checked from its content, its size against ``max_mb`` (default: the
    app's ``MAX_UPLOAD_MB``). Documents are served as downloads only.
    """

    widget = "file_asset"
    scaffold_type = "file"

    def __init__(self, name, label, *, types=("pdf",), max_mb=None, required=False):
        unknown = [t for t in types if t not in FILE_TYPES]
        if unknown or not types:
            raise ValueError(f"{name}: unknown file types {unknown}; choose from {', '.join(FILE_TYPES)}")
        super().__init__(name, label, required=required)
        self.types = tuple(types)
        self.max_mb = max_mb
        self.help = f"A {describe(self.types)} file."

    @property
    def accept(self):
        """The file input's ``accept`` attribute: the declared extensions."""
        return ",".join(f".{t}" for t in self.types)

    def _store(self, upload, actor):
        max_mb = self.max_mb or current_app.config["MAX_UPLOAD_MB"]
        return uploads.store_file(upload, actor, self.types, int(max_mb * 1024 * 1024))

    def read(self, data, actor=None, obj=None):
        try:
            current = self.initial(obj)
            asset = uploads.chosen_image(data, data, self.name, actor, current=current, store=self._store)
        except uploads.UploadError as error:
            raise FieldError(error.message) from None
        if asset is not None and asset is not current and not uploads.is_document(asset):
            raise FieldError(uploads.GONE)  # an image's id typed into a file field
        if asset is None and self.required:
            raise FieldError(f"{self.label} is required.")
        return asset

    def text(self, value):
        return "" if value is None else (value.filename or "file")

    def to_json(self, value):
        if value is None:
            return None
        return {"id": value.id, "url": value.url, "filename": value.filename, "content_type": value.content_type}

    def json_schema(self):
        document = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "url": {"type": "string"},
                "filename": {"type": ["string", "null"]},
                "content_type": {"type": "string"},
            },
            "required": ["id", "url", "filename", "content_type"],
        }
        attach = {"type": "integer", "description": "In requests: the id of the current document."}
        description = f"A {describe(self.types)} file; send a new one as multipart/form-data."
        return {"title": self.label, "description": description, "anyOf": [document, attach, {"type": "null"}]}
