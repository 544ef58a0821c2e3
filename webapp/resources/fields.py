"""Form fields for declared resources: how each value is shown, read back, checked and described.

Each field is defined once and serves every surface:

- ``form_field()`` returns the unbound WTForms field with its validators and filters. The
  pages read submitted strings through it (``clean``), and the back office builds its form
  from the same call, so both accept and refuse the same values with the same messages.
- ``to_json(value)``, ``form_values(json_value)`` and ``json_schema()`` are the API's view of
  the field: the JSON written for a stored value, the form strings a JSON value stands for
  (read by the same ``clean``), and the OpenAPI 3.1 / JSON Schema of the value.
- ``text(value)`` is what a list cell or a record page shows; ``initial``/``redisplay`` what
  a form shows.

Each class's docstring names the SQLAlchemy column type it expects (``flask scaffold`` reads
them: the type name in ``scaffold_type``). The typed fields live in ``typed.py``,
``relations.py`` and ``files.py``.
"""

import logging

import wtforms
from flask import has_request_context, request
from wtforms.validators import AnyOf

from ..exceptions import FieldError, InvalidInput, shown_message
from ..text import has_control_characters  # noqa: F401  (importable from here too)
from ..uploads import service as uploads
from ..uploads.images import SIZES
from .forms import FormState  # noqa: F401  (importable from here too, as before it had its own module)
from .validation import MaxLength, Optional, PlainText, Required, run, strip

log = logging.getLogger(__name__)
# What reading a field may raise on a value it cannot use; anything else is left to fail loudly.
UNUSABLE = (ValueError, TypeError, OverflowError)


class InvalidForm(InvalidInput):
    """Some submitted values break the field rules; nothing was saved.

    ``values`` holds what the other fields did read, so the form can show it again (an
    image stored from a file sent without JavaScript, for instance).
    """

    def __init__(self, errors, values=None):
        super().__init__("Please correct the highlighted fields.", errors)
        self.values = values or {}


class Field:
    """One form input bound to a model attribute; ``widget`` names ``templates/resources/fields/<widget>.html``.

    Column: ``String(max_length)`` (``Text`` without a limit), NOT NULL, ``server_default=""``.
    """

    widget = "text"
    scaffold_type = "text"
    multipart = False  # a file field sets this, so its forms are sent as multipart/form-data
    own_messages = False  # True when the widget shows its help and error itself

    def __init__(self, name, label, *, required=False, max_length=None, help="", default="", placeholder=""):
        self.name = name
        self.label = label
        self.required = required
        self.max_length = max_length
        self.help = help
        self.default = default
        self.placeholder = placeholder

    def validators(self):
        """The WTForms validators of this field, in the order they run."""
        rules = [Required(self.label) if self.required else Optional(), PlainText(self.label)]
        if self.max_length:
            rules.append(MaxLength(self.label, self.max_length))
        return rules

    def form_field(self, **options):
        """The unbound WTForms field (type, validators, filters): the pages read through it, the back office renders it."""
        return wtforms.StringField(
            self.label, validators=self.validators(), filters=[strip], description=self.help, **options
        )

    def raw(self, data):
        """The value as typed, from the submitted form data."""
        return str(data.get(self.name, ""))

    def initial(self, obj):
        """The value to show when editing ``obj`` (or a new record when ``obj`` is None)."""
        value = self.default if obj is None else getattr(obj, self.name)
        return "" if value is None else str(value)

    def read(self, data, actor=None, obj=None):
        """The value to store from the submitted ``data`` (FieldError when invalid).

        ``actor`` submits the form and ``obj`` is the row being changed (None when creating),
        for fields whose rules depend on them; plain fields clean the typed text.
        """
        return self.clean(self.raw(data))

    def redisplay(self, data, values, actor=None, obj=None):
        """What a refused form shows again in this field: the value as typed."""
        return self.raw(data)

    def clean(self, raw):
        """The value to store, or FieldError with a message the user can act on (from the WTForms field)."""
        return self.stored(run(self.name, self.form_field(), raw if isinstance(raw, list) else [raw]))

    def stored(self, data):
        """The model value for the WTForms field's data (the same unless a type needs converting)."""
        return "" if data is None else data

    def text(self, value):
        """The value as a list cell or a record page shows it."""
        return "" if value is None else str(value)

    def to_json(self, value):
        """The stored value as the API sends it."""
        return None if value is None else str(value)

    def form_values(self, json_value):
        """The form strings an API value stands for, read then by ``read`` like a page's form (FieldError if unusable)."""
        if json_value is None:
            return [""]
        if not isinstance(json_value, str):
            raise FieldError(f"{self.label} must be text.")
        if has_control_characters(json_value):
            raise FieldError(f"{self.label} contains invisible control characters; please retype it.")
        return [json_value]

    def json_schema(self):
        """The value's JSON Schema (OpenAPI 3.1)."""
        schema = {"type": "string", "title": self.label}
        if self.max_length:
            schema["maxLength"] = self.max_length
        if self.required:
            schema["minLength"] = 1
        if self.help:
            schema["description"] = self.help
        return schema

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


class TextField(Field):
    """A single line of text. Column: ``String(max_length)``, NOT NULL, ``server_default=""``."""


class TextAreaField(Field):
    """Several lines of text. Column: ``Text``, NOT NULL, ``server_default=""``."""

    widget = "textarea"
    scaffold_type = "longtext"

    def __init__(self, name, label, *, rows=3, **options):
        super().__init__(name, label, **options)
        self.rows = rows

    def form_field(self, **options):
        return wtforms.TextAreaField(
            self.label, validators=self.validators(), filters=[strip], description=self.help, **options
        )


class ChoiceField(Field):
    """One value from a fixed list of ``(value, label)`` pairs (enum members or strings).

    Column: ``enum_column(TheEnum, "name")`` (a checked VARCHAR) or ``String(n)``, NOT NULL.
    """

    filter_widget = "choice"  # templates/resources/filters/<name>.html
    widget = "select"
    scaffold_type = "choice"

    def __init__(self, name, label, *, choices, **options):
        super().__init__(name, label, required=True, **options)
        self.choices = [(str(value), text) for value, text in choices]
        self._values = {str(value): value for value, _ in choices}
        self._labels = dict(self.choices)
        if not self.default:
            self.default = self.choices[0][0]

    def validators(self):
        message = f"Choose one of the listed values for {self.label.lower()}."
        return [AnyOf(list(self._values), message=message)]

    def form_field(self, **options):
        return wtforms.SelectField(
            self.label,
            choices=self.choices,
            validators=self.validators(),
            validate_choice=False,  # AnyOf says it with this field's message
            description=self.help,
            **options,
        )

    def stored(self, data):
        return self._values[data]

    def label_for(self, value):
        """The text shown for a stored value."""
        stored = str(value)
        return self._labels.get(stored, stored)

    text = label_for

    def to_json(self, value):
        return None if value is None else str(getattr(value, "value", value))

    def json_schema(self):
        values = [value for value, _ in self.choices]
        labels = "; ".join(f"{value}: {text}" for value, text in self.choices)
        return {"type": "string", "title": self.label, "enum": values, "description": labels}


class ImageField(Field):
    """An image: a many-to-one relationship to ``Asset`` (see docs/uploads.md for the model side).

    Column: ``ForeignKey("asset.id", ondelete="SET NULL")``, nullable, plus the relationship
    (the field is declared on the relationship's name). The form shows the uploads
    ``image_field`` macro: with JavaScript the picked file is uploaded at once (progress bar,
    preview) and a hidden input carries the new asset's id; without it the file travels
    with the form. Either way ``read`` hands back the Asset to store (or None), and the
    record's own commit attaches it.
    """

    widget = "image"
    scaffold_type = "image"
    multipart = True
    own_messages = True

    def __init__(self, name, label, *, size="card", required=False):
        if size not in SIZES:
            raise ValueError(f"{name}: size must be one of {', '.join(SIZES)}, not {size!r}")
        super().__init__(name, label, required=required, default=None)
        self.size = size  # the preview's crop in the form

    def raw(self, data):
        return str(data.get(self.name, ""))

    def initial(self, obj):
        return None if obj is None else getattr(obj, self.name)

    def read(self, data, actor=None, obj=None):
        try:
            # Stores a file sent without JavaScript (committing the new, unattached asset),
            # and accepts an asset id only when it is the current image or the actor's own upload.
            asset = uploads.chosen_image(data, data, self.name, actor, current=self.initial(obj))
        except uploads.UploadError as error:
            raise FieldError(error.message) from None
        if asset is not None and uploads.is_document(asset):
            raise FieldError(uploads.GONE)  # a document's id sent to an image field
        if asset is None and self.required:
            raise FieldError(f"{self.label} is required.")
        return asset

    def to_json(self, value):
        if value is None:
            return None
        return {
            "id": value.id,
            "url": value.url,
            "thumbnail_url": uploads.thumbnail_url(value, "thumb"),
            "content_type": value.content_type,
            "width": value.width,
            "height": value.height,
        }

    def form_values(self, json_value):
        """null removes the image; an id attaches an upload of the actor's (or keeps the current one)."""
        if json_value is None:
            return [""]
        if isinstance(json_value, dict) and isinstance(json_value.get("id"), int):
            json_value = json_value["id"]  # the image object as the API sent it: keep it
        if isinstance(json_value, bool) or not isinstance(json_value, int):
            raise FieldError(f"{self.label} must be an image id or null; send a file as multipart/form-data.")
        return [str(json_value)]

    def json_schema(self):
        image = {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "url": {"type": "string"},
                "thumbnail_url": {"type": "string"},
                "content_type": {"type": "string"},
                "width": {"type": "integer"},
                "height": {"type": "integer"},
            },
            "required": ["id", "url", "thumbnail_url", "content_type", "width", "height"],
        }
        attach = {"type": "integer", "description": "In requests: the id of the current image or of your own upload."}
        return {"title": self.label, "anyOf": [image, attach, {"type": "null"}]}

    def redisplay(self, data, values, actor=None, obj=None):
        """The image read from this form, else the upload it names if still the actor's to attach, else the current one."""
        if self.name in values:
            return values[self.name]
        current = self.initial(obj)
        pending = uploads.own_asset(data.get(self.name), actor)
        if pending is not None and (pending.orphaned_at is not None or pending == current):
            return pending
        return current

    def text(self, value):
        return "" if value is None else value.url


def clean(fields, data, actor=None, obj=None):
    """The values to store for ``fields`` from ``data``, or InvalidForm naming each problem.

    Every field is read even after one fails, so each message shows at once and an image
    sent with the form is kept for the next try.
    """
    values, errors = {}, {}
    for form_field in fields:
        try:
            values[form_field.name] = form_field.read(data, actor, obj)
        except UNUSABLE as error:
            errors[form_field.name] = shown_message(error, log, described(form_field))
    if errors:
        raise InvalidForm(errors, values)
    return values


def described(form_field):
    """The field and the endpoint reading it, as the log names them (the operator finds the declaration from it)."""
    endpoint = request.endpoint if has_request_context() else None
    return f"field {form_field.name!r} ({type(form_field).__name__}) at {endpoint or 'no request'}"
