"""Every site setting changed on one instance is in force on another at its next request within the cache bound.

Two Flask apps share one database, as two workers or two Render instances do: the change is
saved through instance A, and instance B, which has already read (and cached) the old values,
must behave differently within ``SITE_SETTINGS_MAX_AGE`` without a restart (issue 15, "Done when").
"""

import itertools
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.plugins.accounts import SignIn
from tests.plugins.client import TestClient
from tests.plugins.google import GoogleRoundTrip, google_settings
from webapp import create_app
from webapp.extensions import db
from webapp.models import RequestStatus, User, utcnow
from webapp.services import reminders, site_settings
from webapp.services.mail import current_mailer

BOUND = 0.5  # SITE_SETTINGS_MAX_AGE of instance B, in seconds
SLACK = 0.5  # a request's own time on a loaded machine
_newcomers = itertools.count()


@pytest.fixture
def app_config(app_config, issuer):
    app_config.update(google_settings(issuer))
    return app_config


@dataclass
class World:
    """What the probes look at, made on the shared database before instance B starts."""

    issuer: object
    people: dict = field(default_factory=dict)
    waiting_request: int | None = None


def signed_in(instance, world, name):
    client = instance.test_client()
    SignIn(client).as_user(db.session.get(User, world.people[name]))
    return client


def newcomer_signs_in(instance, world, **claims):
    """A new Google identity signs in on ``instance``: (status, where it is sent)."""
    response = GoogleRoundTrip(instance.test_client(), world.issuer).sign_in(
        f"newcomer{next(_newcomers)}@example.org", **claims
    )
    return response.status_code, response.location


def page(instance, world, path, as_name=None):
    client = signed_in(instance, world, as_name) if as_name else instance.test_client()
    return client.get(path).get_data(as_text=True)


def title(instance, world):
    return page(instance, world, "/").split("<title>")[1].split("</title>")[0].rpartition("· ")[2]


def reminded(instance, world):
    """Whether a reminder run on ``instance`` names the request that has waited three hours."""
    with instance.test_request_context():
        return world.waiting_request in reminders.remind(current_mailer()).request_ids


# (setting changed, values in force before B starts, the change, probe on B, its answer before, after)
CASES = {
    "registration_mode": ({}, {"registration_mode": "closed"}, newcomer_signs_in, (302, "/access/"), (403, None)),
    "auto_approve_domains": (
        {},
        {"auto_approve_domains": ("example.org",)},
        lambda b, w: newcomer_signs_in(b, w, hd="example.org")[1],
        "/access/",
        "/",
    ),
    "reason_required": (
        {},
        {"reason_required": False},
        lambda b, w: "(optional)" in page(b, w, "/access/", "pending"),
        False,
        True,
    ),
    "reason_min_length": (
        {},
        {"reason_min_length": 30},
        lambda b, w: 'minlength="30"' in page(b, w, "/access/", "pending"),
        False,
        True,
    ),
    "rejection_cooldown_days": (
        {},
        {"rejection_cooldown_days": 0},
        lambda b, w: "Why do you want access?" in page(b, w, "/access/", "rejected"),
        False,
        True,
    ),
    "reminder_after_hours": ({}, {"reminder_after_hours": 2}, reminded, False, True),
    "site_name": ({}, {"site_name": "Acme Desk"}, title, "Hyperdesk", "Acme Desk"),
    "announcement_text": (
        {},
        {"announcement_text": "Maintenance tonight"},
        lambda b, w: "Maintenance tonight" in page(b, w, "/"),
        False,
        True,
    ),
    "announcement_level": (
        {"announcement_text": "Maintenance tonight"},
        {"announcement_level": "critical"},
        lambda b, w: "announcement-critical" in page(b, w, "/"),
        False,
        True,
    ),
    "announcement_ends_at": (
        {"announcement_text": "Maintenance tonight"},
        {"announcement_ends_at": utcnow() - timedelta(minutes=1)},
        lambda b, w: "Maintenance tonight" in page(b, w, "/"),
        True,
        False,
    ),
}


def test_every_setting_has_a_case():
    assert set(CASES) == set(site_settings.BY_KEY)


def build_world(make, issuer):
    world = World(issuer)
    world.people["pending"] = make.user(email="nina@example.org", status="pending").id
    rejected = make.user(email="rita@example.org", status="rejected")
    make.access_request(rejected, status=RequestStatus.rejected, decided_at=utcnow() - timedelta(days=1))
    world.people["rejected"] = rejected.id
    waiting = make.user(email="walt@example.org", status="pending")
    world.waiting_request = make.access_request(waiting, created_at=utcnow() - timedelta(hours=3)).id
    return world


@pytest.mark.parametrize("key", list(CASES))
def test_a_change_on_one_instance_is_in_force_on_another_within_the_bound(app, admin, make, issuer, key):
    arranged, change, probe, before, after = CASES[key]
    world = build_world(make, issuer)
    if arranged:
        site_settings.update(arranged, admin)
    other = create_app({**app.config, "SITE_SETTINGS_MAX_AGE": BOUND})
    other.test_client_class = TestClient
    try:
        with other.app_context():
            assert probe(other, world) == before  # B has read, and now keeps, the old values
        site_settings.update(change, admin)  # saved on instance A (the back office's service)
        changed_at = time.monotonic()
        with other.app_context():
            while (seen := probe(other, world)) != after:
                assert time.monotonic() - changed_at < BOUND + SLACK, f"{key}: still {seen!r} after the bound"
                time.sleep(0.05)
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
