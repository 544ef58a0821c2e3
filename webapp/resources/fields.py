"""Form fields for declared resources: how each value is shown, read back and checked."""

from dataclasses import dataclass, field

from ..errors import DomainError
from ..services import uploads
from ..uploads.images import SIZES


class InvalidForm(DomainError):
    """Some submitted values break the field rules; nothing was saved.

    ``values`` holds what the other fields did read, so the form can show it again (an
    image stored from a file sent without JavaScript, for instance).
    """

    status = 422

    def __init__(self, errors, values=None):
        super().__init__("Please correct the highlighted fields.")
        self.errors = errors
        self.values = values or {}


class Field:
    """One form input bound to a model attribute; ``widget`` names ``templates/resources/fields/<widget>.html``."""

    widget = "text"
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

    def raw(self, data):
        """The value as typed, from the submitted form data."""
        return str(data.get(self.name, ""))

    def initial(self, obj):
        """The value to show when editing ``obj`` (or a new record when ``obj`` is None)."""
        value = self.default if obj is None else getattr(obj, self.name)
        return "" if value is None else str(value)

    def read(self, data, actor=None, obj=None):
        """The value to store from the submitted ``data`` (ValueError when invalid).

        ``actor`` submits the form and ``obj`` is the row being changed (None when creating),
        for fields whose rules depend on them; plain fields clean the typed text.
        """
        return self.clean(self.raw(data))

    def redisplay(self, data, values, actor=None, obj=None):
        """What a refused form shows again in this field: the value as typed."""
        return self.raw(data)

    def clean(self, raw):
        """The value to store, or ValueError with a message the user can act on."""
        value = raw.strip()
        if self.required and not value:
            raise ValueError(f"{self.label} is required.")
        if self.max_length and len(value) > self.max_length:
            raise ValueError(f"{self.label} is too long: at most {self.max_length} characters (you wrote {len(value)}).")
        return value

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


class TextField(Field):
    """A single line of text."""


class TextAreaField(Field):
    """Several lines of text."""

    widget = "textarea"

    def __init__(self, name, label, *, rows=3, **options):
        super().__init__(name, label, **options)
        self.rows = rows


class ChoiceField(Field):
    """One value from a fixed list of ``(value, label)`` pairs (enum members or strings)."""

    widget = "select"

    def __init__(self, name, label, *, choices, **options):
        super().__init__(name, label, required=True, **options)
        self.choices = [(str(value), text) for value, text in choices]
        self._values = {str(value): value for value, _ in choices}
        if not self.default:
            self.default = self.choices[0][0]

    def clean(self, raw):
        if raw not in self._values:
            raise ValueError(f"Choose one of the listed values for {self.label.lower()}.")
        return self._values[raw]

    def label_for(self, value):
        """The text shown for a stored value."""
        return dict(self.choices).get(str(value), str(value))


class ImageField(Field):
    """An image: a many-to-one relationship to ``Asset`` (see docs/uploads.md for the model side).

    The form shows the uploads ``image_field`` macro: with JavaScript the picked file is
    uploaded at once (progress bar, preview) and a hidden input carries the new asset's id;
    without it the file travels with the form. Either way ``read`` hands back the Asset to
    store (or None), and the record's own commit attaches it.
    """

    widget = "image"
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
            raise ValueError(error.message) from None
        if asset is None and self.required:
            raise ValueError(f"{self.label} is required.")
        return asset

    def redisplay(self, data, values, actor=None, obj=None):
        """The image read from this form, else the upload it names if still the actor's to attach, else the current one."""
        if self.name in values:
            return values[self.name]
        current = self.initial(obj)
        pending = uploads.own_asset(data.get(self.name), actor)
        if pending is not None and (pending.orphaned_at is not None or pending == current):
            return pending
        return current


def clean(fields, data, actor=None, obj=None):
    """The values to store for ``fields`` from ``data``, or InvalidForm naming each problem.

    Every field is read even after one fails, so each message shows at once and an image
    sent with the form is kept for the next try.
    """
    values, errors = {}, {}
    for form_field in fields:
        try:
            values[form_field.name] = form_field.read(data, actor, obj)
        except ValueError as error:
            errors[form_field.name] = str(error)
    if errors:
        raise InvalidForm(errors, values)
    return values


@dataclass
class FormState:
    """What a form shows: the values as typed, the errors, and whether it takes the focus."""

    prefix: str
    values: dict
    errors: dict = field(default_factory=dict)
    focus: bool = False

    @classmethod
    def blank(cls, resource, prefix, focus=False):
        return cls(prefix, {f.name: f.initial(None) for f in resource.fields}, focus=focus)

    @classmethod
    def of(cls, resource, obj, prefix, focus=False):
        return cls(prefix, {f.name: f.initial(obj) for f in resource.fields}, focus=focus)

    @classmethod
    def submitted(cls, resource, data, prefix, error, actor=None, obj=None):
        """The refused form as typed, with ``error``'s messages (InvalidForm)."""
        values = {f.name: f.redisplay(data, error.values, actor, obj) for f in resource.fields}
        return cls(prefix, values, error.errors, focus=True)

    def autofocus(self, name, fields):
        """True for the field that should take the focus: the first with an error, else the first."""
        if not self.focus:
            return False
        wanted = next((f.name for f in fields if f.name in self.errors), fields[0].name if fields else None)
        return name == wanted

    def dom_id(self, name):
        return f"{self.prefix}-{name}"
