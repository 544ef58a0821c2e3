"""Rows built in Python escape their values as Jinja does (webapp/html.py), byte for byte."""

import datetime
import decimal
from urllib.parse import unquote

import pytest
from markupsafe import Markup, escape

from tests.hostile.values import TEXT
from webapp.html import html_text

VALUES = [
    "Project 12",
    "",
    "a & b < c > d \"e\" 'f'",
    "&amp; already escaped",
    "<script>alert(1)</script>",
    "“quoted” ⠿ é",
    "\x00\ud800",
    Markup("<b>kept</b>"),
    12,
    -1.5,
    None,
    True,
    datetime.date(2026, 12, 5),
    decimal.Decimal("3.10"),
    *(unquote(value, errors="surrogateescape") for value in TEXT),
]


@pytest.mark.parametrize("value", VALUES)
def test_html_text_is_what_escape_gives_as_a_plain_string(value):
    assert html_text(value) == str(escape(value))
    assert type(html_text(value)) is str
