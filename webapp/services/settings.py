"""Each user's preferences (page size, theme, time zone), stored in ``User.settings`` with defaults filled in."""

import zoneinfo
from functools import cache

from ..exceptions import InvalidInput
from ..extensions import db

THEMES = ("system", "light", "dark")
PAGE_SIZES = (10, 25, 50, 100)
DEFAULTS = {"page_size": 25, "theme": "system", "time_zone": "UTC"}


class InvalidSettings(InvalidInput):
    """A submitted preference is not one of the offered values; nothing was saved."""

    def __init__(self, errors):
        super().__init__("Please choose one of the offered values.", errors)


def preferences(user):
    """The user's preferences, with the default for anything unset or no longer valid."""
    stored = (user.settings or {}) if user is not None else {}
    chosen = dict(DEFAULTS)
    if stored.get("page_size") in PAGE_SIZES:
        chosen["page_size"] = stored["page_size"]
    if stored.get("theme") in THEMES:
        chosen["theme"] = stored["theme"]
    if stored.get("time_zone") in time_zones():
        chosen["time_zone"] = stored["time_zone"]
    return chosen


def page_size(user):
    """How many rows a list shows at a time for ``user``."""
    return preferences(user)["page_size"]


@cache
def time_zones():
    """The IANA time zone names a person may choose (e.g. "Europe/Paris"), sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def time_zone(user):
    """The zone ``user`` reads and types dates and times in (UTC until they choose one)."""
    return zoneinfo.ZoneInfo(preferences(user)["time_zone"])


def set_time_zone(user, name):
    """Store the zone ``user`` reads and types times in; InvalidSettings when it is not a known zone."""
    name = (name or "").strip()
    if name not in time_zones():
        raise InvalidSettings({"time_zone": "Choose a time zone from the list, for example Europe/Paris."})
    user.settings = {**(user.settings or {}), "time_zone": name}
    db.session.commit()
    return preferences(user)


def validate(page_size_text, theme):
    """The preferences as they will be stored, or InvalidSettings naming each bad value."""
    errors = {}
    try:
        size = int(page_size_text)
    except (TypeError, ValueError):
        size = None
    if size not in PAGE_SIZES:
        errors["page_size"] = f"Choose {', '.join(map(str, PAGE_SIZES[:-1]))} or {PAGE_SIZES[-1]} rows."
    if theme not in THEMES:
        errors["theme"] = "Choose system, light or dark."
    if errors:
        raise InvalidSettings(errors)
    return {"page_size": size, "theme": theme}


def update(user, page_size_text, theme):
    """Store the user's page size and theme; other stored settings are kept."""
    chosen = validate(page_size_text, theme)
    # A new dict, so SQLAlchemy sees the JSON column change.
    user.settings = {**(user.settings or {}), **chosen}
    db.session.commit()
    return preferences(user)


def reset(user):
    """Forget the user's page size, theme and time zone, so the defaults apply again."""
    user.settings = {key: value for key, value in (user.settings or {}).items() if key not in DEFAULTS}
    db.session.commit()
    return preferences(user)
