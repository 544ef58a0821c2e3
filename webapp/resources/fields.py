"""Form fields for declared resources: how each value is shown, read back and checked."""

from dataclasses import dataclass, field

from ..errors import DomainError


class InvalidForm(DomainError):
    """Some submitted values break the field rules; nothing was saved."""

    status = 422

    def __init__(self, errors):
        super().__init__("Please correct the highlighted fields.")
        self.errors = errors


class Field:
    """One form input bound to a model attribute; ``widget`` names ``templates/resources/fields/<widget>.html``."""

    widget = "text"
    multipart = False  # a file field sets this, so its forms are sent as multipart/form-data

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


def clean(fields, data):
    """The values to store for ``fields`` from ``data``, or InvalidForm naming each problem."""
    values, errors = {}, {}
    for form_field in fields:
        try:
            values[form_field.name] = form_field.clean(form_field.raw(data))
        except ValueError as error:
            errors[form_field.name] = str(error)
    if errors:
        raise InvalidForm(errors)
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
    def submitted(cls, resource, data, prefix, errors):
        return cls(prefix, {f.name: f.raw(data) for f in resource.fields}, errors, focus=True)

    def autofocus(self, name, fields):
        """True for the field that should take the focus: the first with an error, else the first."""
        if not self.focus:
            return False
        wanted = next((f.name for f in fields if f.name in self.errors), fields[0].name if fields else None)
        return name == wanted

    def dom_id(self, name):
        return f"{self.prefix}-{name}"
