"""What ``flask scaffold`` was asked for: the resource's names, its parent and its fields, checked before anything is written."""

import keyword
import re
from dataclasses import dataclass, field

from ..resources import fields as field_module
from ..resources import registry

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
CHOICE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# Columns every scaffolded model has, and names the model class itself uses.
RESERVED = {"id", "owner", "owner_id", "created_at", "updated_at", "position", "metadata", "query", "registry"}
DEFAULT_TEXT_LENGTH = 200
LONG_TEXT_LENGTH = 20000
# Another spelling accepted on the command line.
ALIASES = {"textarea": "longtext", "integer": "int", "boolean": "bool", "number": "decimal"}


class ScaffoldError(ValueError):
    """The command line asks for something that cannot be scaffolded; the message says why."""


def field_classes():
    """Every field class a declaration may use, by its ``scaffold_type`` (read from the classes themselves)."""
    import webapp.resources as resources

    classes = [getattr(resources, name) for name in resources.__all__]
    found = {cls.scaffold_type: cls for cls in classes if isinstance(cls, type) and issubclass(cls, field_module.Field)}
    found.pop("text", None)
    found["text"] = field_module.TextField  # the base class shares its type name with TextField
    return found


def words(name):
    """``owner_contact`` → ``Owner contact``."""
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def camel(name):
    """``job_step`` → ``JobStep``."""
    return "".join(part.capitalize() for part in name.split("_"))


def singular_of(plural):
    """A guess at the singular of an English plural (``--singular`` when it guesses wrong)."""
    for ending, replacement in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if plural.endswith(ending):
            return plural[: -len(ending)] + replacement
    return plural[:-1] if plural.endswith("s") and not plural.endswith("ss") else plural


@dataclass
class FieldSpec:
    """One ``NAME:TYPE[:OPTION]`` argument."""

    name: str
    kind: str
    option: str = ""
    title: bool = False
    choices: list = field(default_factory=list)
    target: object = None  # the related Resource of a relation
    types: tuple = ()
    max_length: int | None = None

    @property
    def label(self):
        return words(self.name)

    @property
    def fk(self):
        """The column behind a relation, image or file (the field is declared on the relationship)."""
        if self.kind in ("image", "file"):
            return f"{self.name}_asset_id"
        return f"{self.name}_id" if self.kind == "relation" else None

    @property
    def columns(self):
        """The model attributes this field takes."""
        return [self.name] + ([self.fk] if self.fk else [])

    @property
    def filterable(self):
        return self.kind in ("choice", "bool", "date", "datetime", "relation")


@dataclass
class Spec:
    """The whole request: names, parent and fields."""

    name: str
    singular: str
    parent: object  # the parent Resource, or None for a top-level resource
    fields: list

    @property
    def class_name(self):
        return camel(self.singular)

    @property
    def table(self):
        return self.singular

    @property
    def constant(self):
        return self.name.upper()

    @property
    def title(self):
        return next((f for f in self.fields if f.title), None)

    @property
    def parent_fk(self):
        return f"{self.parent_name}_id" if self.parent else None

    @property
    def parent_name(self):
        """The child's relationship to its parent: the parent's singular (``project``)."""
        return self.parent.singular.replace(" ", "_") if self.parent else None

    @property
    def plural_words(self):
        return self.name.replace("_", " ")


def parse(name, field_args, parent_name=None, singular=None, resources=None):
    """The Spec for ``flask scaffold NAME [--parent P] FIELD:TYPE[:OPTION] ...``, or ScaffoldError."""
    resources = {r.name: r for r in (registry.discover() if resources is None else resources)}
    _check_name(name, "NAME", resources)
    singular = singular or singular_of(name)
    if not NAME.fullmatch(singular) or keyword.iskeyword(singular):
        raise ScaffoldError(f"--singular {singular!r}: use lowercase letters, digits and _, starting with a letter")
    parent = None
    if parent_name is not None:
        parent = resources.get(parent_name)
        if parent is None:
            raise ScaffoldError(f"--parent {parent_name!r} is not a declared resource (known: {', '.join(resources)})")
    if not field_args:
        raise ScaffoldError("give at least one field, e.g. name:text")
    spec = Spec(name, singular, parent, [])
    taken = set(RESERVED) | ({spec.parent_fk, spec.parent_name} if parent else set())
    kinds = field_classes()
    for argument in field_args:
        spec.fields.append(_field(argument, kinds, resources, taken))
    first_text = next((f for f in spec.fields if f.kind == "text"), None)
    if first_text is not None:
        first_text.title = True  # names the row in messages, breadcrumbs and links
    return spec


def _check_name(name, what, resources):
    from .. import models  # noqa: F401  (every table the app has, so a clash is seen)
    from ..extensions import db

    if not NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ScaffoldError(f"{what} {name!r}: use lowercase letters, digits and _, starting with a letter")
    if name in resources:
        raise ScaffoldError(f"{what} {name!r}: a resource with this name is already declared")
    if (registry.APP_PACKAGE / name).exists() or (registry.APP_PACKAGE / f"{name}.py").exists():
        raise ScaffoldError(f"{what} {name!r}: webapp/{name} already exists")
    if singular_of(name) in db.metadata.tables:
        raise ScaffoldError(f"{what} {name!r}: a table named {singular_of(name)!r} already exists")


def _field(argument, kinds, resources, taken):
    parts = argument.split(":", 2)
    if len(parts) < 2:
        raise ScaffoldError(f"{argument!r}: write a field as NAME:TYPE[:OPTION], e.g. due:date")
    name, kind, option = parts[0], ALIASES.get(parts[1], parts[1]), parts[2] if len(parts) > 2 else ""
    if not NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ScaffoldError(f"{argument!r}: a field name uses lowercase letters, digits and _, starting with a letter")
    if kind not in kinds:
        raise ScaffoldError(f"{argument!r}: unknown type {kind!r}; choose from {', '.join(sorted(kinds))}")
    spec = FieldSpec(name, kind, option)
    clash = sorted(set(spec.columns) & taken)
    if clash:
        raise ScaffoldError(f"{argument!r}: the name {clash[0]!r} is already taken")
    taken.update(spec.columns)
    _read_option(spec, argument, resources)
    return spec


def _read_option(spec, argument, resources):
    reader = OPTION_READERS.get(spec.kind)
    if reader is not None:
        reader(spec, argument, resources)
    elif spec.option:
        raise ScaffoldError(f"{argument!r}: a {spec.kind} field takes no option")


def _text_option(spec, argument, resources):
    option = spec.option
    if option and not (option.isascii() and option.isdecimal() and 0 < int(option) <= 10000):
        raise ScaffoldError(f"{argument!r}: the option of a text field is its maximum length, 1 to 10000")
    spec.max_length = int(option) if option else DEFAULT_TEXT_LENGTH


def _choices_option(spec, argument, resources):
    values = [v for v in re.split(r"[,|]", spec.option) if v] if spec.option else []
    if spec.kind == "choice" and len(values) < 2:
        raise ScaffoldError(f"{argument!r}: list the choices, e.g. {spec.name}:choice:open,won,lost")
    bad = [v for v in values if not CHOICE.fullmatch(v)]
    if bad or len(set(values)) != len(values):
        raise ScaffoldError(f"{argument!r}: choices are distinct lowercase words (a-z, 0-9, _ and -)")
    spec.choices = [(v, words(v.replace("-", " "))) for v in values]


def _relation_option(spec, argument, resources):
    spec.target = resources.get(spec.option)
    if spec.target is None:
        known = ", ".join(resources) or "none yet"
        raise ScaffoldError(f"{argument!r}: name the declared resource it points at, e.g. :projects (known: {known})")


def _file_option(spec, argument, resources):
    from ..uploads.files import FILE_TYPES

    spec.types = tuple(t for t in re.split(r"[,|]", spec.option) if t) if spec.option else ("pdf",)
    unknown = [t for t in spec.types if t not in FILE_TYPES]
    if unknown:
        raise ScaffoldError(f"{argument!r}: unknown file types {unknown}; choose from {', '.join(FILE_TYPES)}")


OPTION_READERS = {
    "text": _text_option,
    "choice": _choices_option,
    "tags": _choices_option,
    "relation": _relation_option,
    "file": _file_option,
}
