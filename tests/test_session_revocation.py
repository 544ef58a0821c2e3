"""Suspension and demotion reach a signed-in person at their next request, whichever instance serves it."""

import pytest
from flask_login import current_user

from tests.plugins.google import google_settings
from webapp import create_app
from webapp.extensions import db
from webapp.models import AccessRequest, User
from webapp.services import access
from webapp.services.mail import Mailer


@pytest.fixture
def app_config(app_config, issuer):
    """The app signs in with the local issuer instead of Google."""
    app_config.update(google_settings(issuer))
    return app_config


@pytest.fixture(autouse=True)
def approved_only_page(app):
    """A page for approved people only (the gate's default), answering with who is signed in."""
    app.add_url_rule("/test/work", "work", lambda: f"working as {current_user.email}")


@pytest.fixture
def instance_b(app, app_config):
    """A second app instance on the same database, as another worker or server would be."""
    other = create_app(app_config)
    yield other
    with other.app_context():
        db.engine.dispose()


def on_instance(app, decide, email, by_email):
    """Take a decision on ``email``'s account through ``app``'s own session and connection."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        by = db.session.scalar(db.select(User).where(User.email == by_email))
        decide(user, by)
        db.session.remove()


def test_suspension_on_another_instance_signs_the_person_out_at_once(google, instance_b, make, admin):
    make.user(email="uma@example.org", status="approved")
    google.sign_in("uma@example.org", hd="example.org")
    assert google.client.get("/test/work").get_data(as_text=True) == "working as uma@example.org"

    on_instance(instance_b, access.suspend, "uma@example.org", admin.email)

    refused = google.client.get("/test/work")
    assert refused.status_code == 302 and refused.location.startswith("/auth/login")
    back = google.sign_in("uma@example.org")
    assert back.location == "/access/"
    assert "Your account is suspended." in google.client.get("/access/").get_data(as_text=True)
    assert google.client.get("/test/work").location == "/access/"


def test_reinstatement_lets_the_person_back_in(google, instance_b, make, admin):
    make.user(email="vera@example.org", status="suspended")
    google.sign_in("vera@example.org", hd="example.org")
    on_instance(instance_b, access.reinstate, "vera@example.org", admin.email)
    assert google.client.get("/test/work").get_data(as_text=True) == "working as vera@example.org"


def test_demotion_on_another_instance_closes_the_queue_at_the_next_request(google, instance_b, make, admin):
    make.user(email="walt@example.org", role="admin", status="approved")
    google.sign_in("walt@example.org", hd="example.org")
    assert google.client.get("/access/queue").status_code == 200

    on_instance(instance_b, access.revoke_admin, "walt@example.org", admin.email)

    refused = google.client.get("/access/queue")
    assert refused.status_code == 302 and refused.location.startswith("/auth/login")
    google.sign_in("walt@example.org")
    assert google.client.get("/access/queue").status_code == 403
    assert google.client.get("/test/work").get_data(as_text=True) == "working as walt@example.org"


def test_approval_on_another_instance_opens_the_door_without_signing_in_again(google, instance_b, admin):
    google.sign_in("xena@example.org")
    google.client.post("/access/request", data={"reason": "I join the logistics team on Monday."})
    assert google.client.get("/test/work").location == "/access/"

    with instance_b.app_context():
        request = db.session.scalar(db.select(AccessRequest))
        access.approve(request, db.session.get(User, admin.id), Mailer.from_config(instance_b.config))
        db.session.remove()

    assert google.client.get("/test/work").get_data(as_text=True) == "working as xena@example.org"
