"""Declare a model once, get its pages: list, detail, create, edit, delete, with ownership checks.

See docs/extending.md for adding a model.
"""

from .declaration import Column, Keyset, NavEntry, Parent, Position, Resource
from .fields import ChoiceField, Field, FormState, InvalidForm, TextAreaField, TextField
from .registry import register_resources
from .search import substring_filter

__all__ = [
    "ChoiceField",
    "Column",
    "Field",
    "FormState",
    "InvalidForm",
    "Keyset",
    "NavEntry",
    "Parent",
    "Position",
    "Resource",
    "TextAreaField",
    "TextField",
    "register_resources",
    "substring_filter",
]
