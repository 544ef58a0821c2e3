"""How back-office lists, details and exports show values: names for records, badges, thumbnails, history."""

import json
from datetime import datetime
from enum import Enum
from functools import lru_cache

from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS, EXPORT_FORMATTERS
from flask_admin.model.typefmt import DETAIL_FORMATTERS
from markupsafe import Markup, escape

from ..extensions import db
from ..uploads.service import thumbnail_url

BADGE_STYLES = {
    "approved": "success",
    "active": "success",
    "done": "info",
    "pending": "warning",
    "draft": "secondary",
    "on_hold": "warning",
    "rejected": "danger",
    "suspended": "danger",
    "admin": "primary",
}
THUMBNAIL_SIZE = 48
# How many distinct badges are kept once built (states and roles: a few dozen).
BADGES_KEPT = 256


def label(record):
    """A short human name for a record, used in lists, lookups and messages."""
    if record is None:
        return ""
    for attribute in ("email", "name", "title", "text", "key"):
        value = getattr(record, attribute, None)
        if value:
            return value if len(value) <= 80 else value[:79] + "…"
    return f"{type(record).__name__} #{record.id}"


def badge(value):
    """A coloured pill for a state such as ``pending`` or ``admin``."""
    return _badge_html(str(value.value if isinstance(value, Enum) else value))


@lru_cache(maxsize=BADGES_KEPT)
def _badge_html(text):
    # A list shows a handful of states on every row: each pill is built once (a str key, an immutable Markup).
    style = BADGE_STYLES.get(text, "light")
    return Markup(f'<span class="badge badge-pill badge-{escape(style)}">{escape(text.replace("_", " "))}</span>')


def timestamp(value):
    """A UTC timestamp to the minute, machine-readable in the markup."""
    moment = value.isoformat()
    if value.year < 1000:
        # strftime writes such a year without padding; isoformat pads it to four digits.
        minute = escape(value.strftime("%Y-%m-%d %H:%M"))
        return Markup(f'<time datetime="{escape(moment)}">{minute} UTC</time>')
    # An ISO date and time has digits, "-", ":", "+", "." and "T" only: nothing to escape, and its first
    # 16 characters are what strftime("%Y-%m-%d %H:%M") writes (two timestamps a row on most lists).
    return Markup(f'<time datetime="{moment}">{moment[:10]} {moment[11:16]} UTC</time>')


def thumbnail(asset):
    """A small preview of an image asset: its 96×96 crop (sharp on dense screens) shown at 48×48."""
    url = thumbnail_url(asset, "thumb")
    if url is None:
        return ""
    if asset.width == 0:  # a document (a file field's): a download link, not a picture
        return Markup('<a href="{}" download="{}">{}</a>').format(url, asset.filename or "", asset.filename or "file")
    return Markup('<img class="hd-thumb" src="{}" alt="{}" width="{}" height="{}" loading="lazy">').format(
        url, asset.key, THUMBNAIL_SIZE, THUMBNAIL_SIZE
    )


def changes_html(details):
    """An audit entry's details, with field changes shown as before → after."""
    if not details:
        return ""
    changes = details.get("changes") or {}
    rows = Markup("").join(
        Markup("<li><code>{}</code>: {} → {}</li>").format(
            field, _short(change.get("before")), _short(change.get("after"))
        )
        for field, change in changes.items()
    )
    others = {key: value for key, value in details.items() if key != "changes"}
    extra = (
        Markup('<span class="text-muted small">{}</span>').format(json.dumps(others, ensure_ascii=False))
        if others
        else ""
    )
    return Markup('<ul class="hd-changes">{}</ul>{}').format(rows, extra) if rows else extra


def _short(value, limit=120):
    if value is None:
        return Markup('<i class="text-muted">none</i>')
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Column formatters, in Flask-Admin's (view, context, model, name) form.
def thumbnail_column(view, context, model, name):
    return thumbnail(model if name == "preview" else getattr(model, name))


def details_column(view, context, model, name):
    return changes_html(model.details)


def _record_type_formatter(view, value, name):
    return label(value)


def _enum_type_formatter(view, value, name):
    return badge(value)


def _datetime_type_formatter(view, value, name):
    return timestamp(value)


def _export_enum(view, value, name):
    return value.value


def _export_record(view, value, name):
    return label(value)


def _export_datetime(view, value, name):
    return value.isoformat()


# Flask-Admin's defaults, with enums, records and timestamps shown our way.
TYPE_FORMATTERS = {
    **DEFAULT_FORMATTERS,
    Enum: _enum_type_formatter,
    db.Model: _record_type_formatter,
    datetime: _datetime_type_formatter,
}
DETAIL_TYPE_FORMATTERS = {**DETAIL_FORMATTERS, **TYPE_FORMATTERS}
EXPORT_TYPE_FORMATTERS = {**EXPORT_FORMATTERS, Enum: _export_enum, db.Model: _export_record, datetime: _export_datetime}
