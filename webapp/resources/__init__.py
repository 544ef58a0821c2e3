"""Declare a model once, get its pages: list, detail, create, edit, delete, with ownership checks.

See docs/extending.md for adding a model, and its "Field types" section for every field.
"""

from .addresses import EmailField, URLField
from .backoffice import BackOffice
from .declaration import Column, Keyset, NavEntry, Parent, Position, Resource
from .fields import ChoiceField, Field, ImageField, InvalidForm, TextAreaField, TextField
from .files import FileField
from .forms import FormState
from .listing import Sort
from .relations import RelationField, TagsField
from .search import substring_filter
from .typed import BooleanField, DateField, DateTimeField, DecimalField, IntegerField

__all__ = [
    "BackOffice",
    "BooleanField",
    "ChoiceField",
    "Column",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "EmailField",
    "Field",
    "FileField",
    "FormState",
    "ImageField",
    "IntegerField",
    "InvalidForm",
    "Keyset",
    "NavEntry",
    "Parent",
    "Position",
    "RelationField",
    "Resource",
    "Sort",
    "TagsField",
    "TextAreaField",
    "TextField",
    "URLField",
    "substring_filter",
]
