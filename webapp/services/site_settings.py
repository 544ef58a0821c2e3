"""Site settings: what administrators change while the site runs, read database > environment > default.

A setting an administrator saved is a row of ``site_setting``; without a row the operator's
environment variable applies (already read into the app config), and without that the
setting's default. Every change is validated, audited with its value before and after, and
committed once.

Every process keeps the stored rows for at most ``SITE_SETTINGS_MAX_AGE`` seconds (2 by
default): one small SELECT per process and period, none per request in between. A change
therefore applies on every worker and instance within that bound, without a restart; the
process that saved it applies it at its next request. Each request reads one snapshot (kept
on ``g``), so a page never mixes old and new values.
"""

import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import joinedload

from ..exceptions import Conflict, FieldError, InvalidInput, shown_message
from ..extensions import db
from ..models import SiteSetting, utcnow
from ..text import has_control_characters
from . import audit

log = logging.getLogger(__name__)

CACHE_KEY = "hyperdesk.site_settings"
DEFAULT_MAX_AGE = 2.0

APPROVAL, OPEN, INVITE_ONLY, CLOSED = "approval", "open", "invite_only", "closed"
MODES = {
    APPROVAL: "Approval: newcomers ask, administrators or approvers decide",
    OPEN: "Open: every newcomer is approved at once",
    INVITE_ONLY: "Invite-only: only invited people get an account",
    CLOSED: "Closed: no new accounts (invitations still work)",
}
LEVELS = {"info": "Information", "warning": "Warning", "critical": "Critical"}
REASON_MAX = 1000  # the longest reason anyone may write (the column is text; this keeps reading it humane)
SITE_NAME_MAX = 60
ANNOUNCEMENT_MAX = 500
DOMAINS_MAX = 100
# A moment (the banner's end) must fall in these years, in UTC: far enough from the calendar's
# edges (years 1 and 9999) that it converts to and from every time zone without overflowing.
MOMENT_YEARS = (2000, 9000)
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _printable(text, limit, what):
    """``text`` on one line (line breaks become spaces), or FieldError when too long or holding control characters."""
    if has_control_characters(text):
        raise FieldError(f"{what} contains invisible control characters; please retype it.")
    text = " ".join((text or "").split())
    if len(text) > limit:
        raise FieldError(f"{what} is too long: at most {limit} characters (this one has {len(text)}).")
    return text


@dataclass(frozen=True)
class Setting:
    """One setting: how it is read from a form, the environment and the database, and checked."""

    key: str
    label: str
    kind: str  # choice | flag | number | text | domains | moment
    default: object
    help: str
    section: str
    config_key: str | None = None  # the app config entry (from the environment) that applies without a row
    choices: dict = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    required: bool = False

    def clean(self, value):
        """``value`` checked and normalised; FieldError with a message a person can act on."""
        check = getattr(self, f"_clean_{self.kind}")
        return check(value)

    def _clean_choice(self, value):
        if value not in self.choices:
            raise FieldError(f"Choose one of: {', '.join(self.choices)}.")
        return value

    def _clean_flag(self, value):
        if not isinstance(value, bool):
            raise FieldError("Choose yes or no.")
        return value

    def _clean_number(self, value):
        if isinstance(value, str):
            value = value.strip()
            value = int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else None
        if not isinstance(value, int) or isinstance(value, bool) or not self.minimum <= value <= self.maximum:
            raise FieldError(f"Enter a whole number from {self.minimum} to {self.maximum}.")
        return value

    def _clean_text(self, value):
        if not isinstance(value, str):
            raise FieldError("Enter text.")
        value = _printable(value, self.max_length, self.label)
        if self.required and not value:
            raise FieldError(f"{self.label} cannot be empty.")
        return value

    def _clean_domains(self, value):
        if isinstance(value, str):
            value = re.split(r"[\s,;]+", value)
        if not isinstance(value, list | tuple):
            raise FieldError("Enter domains separated by commas or line breaks.")
        domains = []
        for item in value:
            domain = str(item).strip().lower().removeprefix("@")
            if not domain:
                continue
            if not _DOMAIN.fullmatch(domain):
                raise FieldError(f"{domain[:80]!r} is not a domain name such as example.com.")
            if domain not in domains:
                domains.append(domain)
        if len(domains) > DOMAINS_MAX:
            raise FieldError(f"At most {DOMAINS_MAX} domains.")
        return tuple(domains)

    def _clean_moment(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError as error:
                raise FieldError("Enter a date and time, for example 2026-12-31 18:00.") from error
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise FieldError("Enter a date and time with its time zone.")
        first, last = MOMENT_YEARS
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            value = None  # past the calendar's edge in UTC ("9999-12-31T23:59-12:00"): datetime cannot hold it
        if value is None or not first <= value.year <= last:
            raise FieldError(f"Choose a date between the years {first} and {last}.")
        return value

    def to_json(self, value):
        """The value as stored in the row's JSON column."""
        if self.kind == "domains":
            return list(value)
        if self.kind == "moment":
            return value.isoformat() if value else ""
        return value


SECTION_ADMISSION = "Who gets in"
SECTION_REQUESTS = "Access requests"
SECTION_IDENTITY = "Site identity"
SECTION_BANNER = "Announcement banner"

SETTINGS = (
    Setting(
        "registration_mode",
        "Registration mode",
        "choice",
        APPROVAL,
        "What happens when someone new signs in with Google. Existing accounts are never changed; "
        "invitations work in every mode.",
        SECTION_ADMISSION,
        config_key="REGISTRATION_MODE",
        choices=MODES,
    ),
    Setting(
        "auto_approve_domains",
        "Auto-approved e-mail domains",
        "domains",
        (),
        "In approval mode, people from these domains are approved at once (exact match: example.com "
        "does not admit mail.example.com). One per line or separated by commas.",
        SECTION_ADMISSION,
        config_key="AUTO_APPROVE_DOMAINS",
    ),
    Setting(
        "reason_required",
        "A reason is required",
        "flag",
        True,
        "Newcomers must say why they want access before their request is sent.",
        SECTION_REQUESTS,
        config_key="ACCESS_REASON_REQUIRED",
    ),
    Setting(
        "reason_min_length",
        "Shortest reason (characters)",
        "number",
        10,
        "Applies when a reason is required.",
        SECTION_REQUESTS,
        config_key="ACCESS_REASON_MIN_LENGTH",
        minimum=1,
        maximum=REASON_MAX,
    ),
    Setting(
        "rejection_cooldown_days",
        "Days before a rejected person may ask again",
        "number",
        7,
        "0 lets them ask again at once.",
        SECTION_REQUESTS,
        config_key="ACCESS_REQUEST_COOLDOWN_DAYS",
        minimum=0,
        maximum=365,
    ),
    Setting(
        "reminder_after_hours",
        "Remind approvers after (hours)",
        "number",
        24,
        "flask access remind sends one digest when requests have waited longer than this.",
        SECTION_REQUESTS,
        config_key="ACCESS_REMINDER_AFTER_HOURS",
        minimum=1,
        maximum=24 * 30,
    ),
    Setting(
        "site_name",
        "Site name",
        "text",
        "Hyperdesk",
        "Shown in page titles, the navigation, the back office and every e-mail (subject, text and sender name).",
        SECTION_IDENTITY,
        config_key="SITE_NAME",
        max_length=SITE_NAME_MAX,
        required=True,
    ),
    Setting(
        "announcement_text",
        "Announcement",
        "text",
        "",
        "Shown at the top of every page while set. Leave empty for no banner.",
        SECTION_BANNER,
        max_length=ANNOUNCEMENT_MAX,
    ),
    Setting("announcement_level", "Level", "choice", "info", "How the banner looks.", SECTION_BANNER, choices=LEVELS),
    Setting(
        "announcement_ends_at",
        "Hide the banner after",
        "moment",
        None,
        "Optional. In your time zone (your settings page); empty keeps the banner until you clear it.",
        SECTION_BANNER,
    ),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}


class SiteSettings:
    """One consistent reading of every setting: ``site.site_name``, ``site.source("site_name")``."""

    def __init__(self, values, sources, fingerprint):
        self._values = values
        self._sources = sources
        self.fingerprint = fingerprint

    def __getattr__(self, key):
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def source(self, key):
        """Where the value comes from: database, environment or default."""
        return self._sources[key]

    def as_dict(self):
        return dict(self._values)

    def announcement(self, now=None):
        """(text, level) of the banner to show now, or None."""
        ends_at = self._values["announcement_ends_at"]
        if not self._values["announcement_text"] or (ends_at is not None and ends_at <= (now or utcnow())):
            return None
        return self._values["announcement_text"], self._values["announcement_level"]


def effective(stored, config):
    """Every setting's value and source from the stored rows, then the config (environment), then defaults."""
    values, sources = {}, {}
    for setting in SETTINGS:
        value, source = setting.default, "default"
        from_env = config.get(setting.config_key) if setting.config_key else None
        if from_env not in (None, "", [], ()):
            value, source = _checked(setting, from_env, "environment", value, source)
        if setting.key in stored:
            value, source = _checked(setting, stored[setting.key], "database", value, source)
        values[setting.key], sources[setting.key] = value, source
    return SiteSettings(values, sources, fingerprint(stored))


def _checked(setting, value, source, fallback, fallback_source):
    try:
        return setting.clean(value), source
    except ValueError as error:
        # A value written by hand into the table or the environment must not take the site down.
        log.warning("Ignoring the %s value of site setting %s (%r): %s", source, setting.key, value, error)
        return fallback, fallback_source


def fingerprint(stored):
    """A short digest of the stored rows: a form saved over changes it did not show is refused."""
    text = json.dumps(stored, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class StoredCache:
    """The ``site_setting`` rows as this process last read them, re-read when older than ``max_age`` seconds."""

    def __init__(self, max_age):
        self.max_age = max_age
        self.rows = None
        self.read_at = float("-inf")
        self.lock = threading.Lock()

    def get(self, read):
        if self.rows is not None and time.monotonic() - self.read_at < self.max_age:
            return self.rows
        # One thread re-reads; the others go on with the rows they have rather than queue.
        if not self.lock.acquire(blocking=self.rows is None):
            return self.rows
        try:
            if self.rows is None or time.monotonic() - self.read_at >= self.max_age:
                self._refresh(read)
        finally:
            self.lock.release()
        return self.rows

    def _refresh(self, read):
        try:
            self.rows = read()
        except SQLAlchemyError as error:
            # A database that is down (or not migrated yet) must not break pages that can render
            # without it: keep what we had (the environment and defaults the first time).
            log.warning("Cannot read the site settings (%s); using the last known values.", error.__class__.__name__)
            if self.rows is None:
                self.rows = {}
        self.read_at = time.monotonic()

    def expire(self):
        self.read_at = float("-inf")


def _read_rows():
    """Every stored setting, read on the request's own connection.

    A connection of its own would be a second one per request thread: under load every thread
    holds one and the pool has none left to give, so the read would wait out the pool timeout.
    The read comes before a request's writes (policies, the mailer) or after its commit
    (templates), so rolling back after a failure loses nothing.
    """
    try:
        with db.session.no_autoflush:
            return {key: value for key, value in db.session.execute(select(SiteSetting.key, SiteSetting.value))}
    except SQLAlchemyError:
        db.session.rollback()
        raise


def _cache(app):
    cache = app.extensions.get(CACHE_KEY)
    if cache is None:
        max_age = app.config.get("SITE_SETTINGS_MAX_AGE")
        cache = app.extensions.setdefault(CACHE_KEY, StoredCache(DEFAULT_MAX_AGE if max_age is None else max_age))
    return cache


def current():
    """The settings in force for this request (one reading per request), or read now outside a request."""
    if has_request_context() and "site_settings" in g:
        return g.site_settings
    app = current_app._get_current_object()
    site = effective(_cache(app).get(_read_rows), app.config)
    if has_request_context():
        g.site_settings = site
    return site


def fresh():
    """The settings as stored right now (commands and services that decide on them read past the cache)."""
    return effective(_stored_now(), current_app.config)


def expire_cache():
    """Make this process read the settings again at its next use (after its own change)."""
    if has_app_context():
        _cache(current_app._get_current_object()).expire()
        g.pop("site_settings", None)


def stored_rows():
    """The stored settings' rows by key, with who changed each and when (for the settings page)."""
    rows = db.session.scalars(select(SiteSetting).options(joinedload(SiteSetting.updated_by)))
    return {row.key: row for row in rows}


def _stored_now():
    return {row.key: row.value for row in db.session.scalars(select(SiteSetting))}


def parse_form(form, time_zone):
    """The submitted settings, each checked; InvalidInput naming every bad field. ``time_zone`` reads the end time."""
    values, errors = {}, {}
    for setting in SETTINGS:
        raw = form.get(setting.key)
        if setting.kind == "flag":
            raw = raw in ("1", "on", "true", "yes")
        elif setting.kind == "moment" and raw:
            raw = _local_moment(raw, time_zone)
        try:
            values[setting.key] = setting.clean(raw)
        except ValueError as error:
            errors[setting.key] = shown_message(error, log, f"site setting {setting.key!r} from the settings form")
    if not errors and values["announcement_ends_at"] is not None and values["announcement_ends_at"] <= utcnow():
        errors["announcement_ends_at"] = "This time has passed: choose a later one, or leave it empty."
    if errors:
        raise InvalidInput("Nothing was saved: please correct the settings marked below.", errors)
    return values


def _local_moment(text, time_zone):
    """A ``datetime-local`` form value read in the administrator's time zone ("2026-12-31T18:00")."""
    try:
        moment = datetime.fromisoformat(str(text).strip()[:32])
    except ValueError:
        return "not a date"  # clean() turns this into the message
    return moment if moment.tzinfo else moment.replace(tzinfo=time_zone)


def update(values, by, seen_fingerprint=None):
    """Store every value that differs from the one in force; audit each with before → after; commit.

    ``seen_fingerprint`` is what the form showed: when someone else saved in between, nothing
    is stored (Conflict) rather than silently undoing their change.
    """
    stored = _lock_and_read()
    if seen_fingerprint is not None and seen_fingerprint != fingerprint(stored):
        db.session.rollback()
        raise Conflict("Someone else changed the site settings while you were editing; review them and save again.")
    before = effective(stored, current_app.config)
    changes = {}
    for key, value in values.items():
        setting = BY_KEY[key]
        value = setting.clean(value)
        if value == getattr(before, key):
            continue
        row = db.session.get(SiteSetting, key)
        if row is None:
            row = SiteSetting(key=key)
            db.session.add(row)
        row.value = setting.to_json(value)
        row.updated_by_id = by.id
        row.updated_at = utcnow()
        changes[key] = (setting.to_json(getattr(before, key)), setting.to_json(value))
        audit.record(
            "site.setting_changed",
            actor=by,
            target=row,
            details={"setting": key, "before": changes[key][0], "after": changes[key][1]},
        )
    try:
        db.session.commit()
    except IntegrityError as error:
        # Another administrator stored the same, previously unset, setting at the same moment.
        db.session.rollback()
        raise Conflict(
            "Someone else saved the site settings at the same moment; review them and save again."
        ) from error
    expire_cache()
    return changes


def reset(key, by):
    """Forget the stored value of ``key``, so the environment or the default applies again; audited."""
    setting = BY_KEY.get(key)
    if setting is None:
        raise InvalidInput("There is no such setting.", {"key": "Unknown setting."})
    stored = _lock_and_read()
    if key not in stored:
        db.session.rollback()
        raise Conflict(f"{setting.label} already uses the {'environment' if setting.config_key else 'default'} value.")
    before = effective(stored, current_app.config)
    after = effective({k: v for k, v in stored.items() if k != key}, current_app.config)
    row = db.session.get(SiteSetting, key)
    audit.record(
        "site.setting_reset",
        actor=by,
        target=row,
        details={
            "setting": key,
            "before": setting.to_json(getattr(before, key)),
            "after": setting.to_json(getattr(after, key)),
            "now_from": after.source(key),
        },
    )
    db.session.execute(delete(SiteSetting).where(SiteSetting.key == key))
    db.session.commit()
    expire_cache()
    return after


def _lock_and_read():
    """The stored rows, with every row locked on PostgreSQL: two administrators saving take turns."""
    rows = db.session.scalars(select(SiteSetting).with_for_update().execution_options(populate_existing=True))
    return {row.key: row.value for row in rows}


def sender_name():
    """The From display name for e-mail written now: the site's name."""
    return current().site_name
