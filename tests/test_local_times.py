"""Times on the pages are read on the reader's clock: the time zone of their settings (UTC until they choose one)."""

from datetime import UTC, datetime, timedelta

from flask_login import login_user, logout_user
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import ApiKey, UserSession, utcnow
from webapp.services import credentials, settings
from webapp.templating import local_time

SIGNED_IN = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def test_the_settings_page_shows_when_a_session_began_in_the_readers_zone(client, sign_in, approved_user):
    began = (utcnow() - timedelta(days=1)).replace(second=0, microsecond=0)  # a session must still be live
    sign_in.as_user(approved_user)
    db.session.execute(update(UserSession).where(UserSession.user_id == approved_user.id).values(created_at=began))
    db.session.commit()
    in_utc = client.get("/settings/").get_data(as_text=True)
    settings.set_time_zone(approved_user, "Asia/Tokyo")  # UTC+9 all year
    in_tokyo = client.get("/settings/").get_data(as_text=True)
    assert f"{began:%d %b %Y %H:%M} UTC" in in_utc
    assert f"{began + timedelta(hours=9):%d %b %Y %H:%M} JST" in in_tokyo and f"{began:%d %b %Y %H:%M}" not in in_tokyo


def test_an_api_keys_expiry_day_and_last_use_follow_the_readers_zone(client, sign_in, approved_user):
    credentials.create_key(approved_user, "Reports", "read", None)
    key = db.session.scalars(select(ApiKey).where(ApiKey.user_id == approved_user.id)).one()
    key.expires_at = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    key.last_used_at = datetime(2026, 7, 4, 16, 0, tzinfo=UTC)
    db.session.commit()
    settings.set_time_zone(approved_user, "America/New_York")
    sign_in.as_user(approved_user)
    page = client.get("/settings/").get_data(as_text=True)
    assert '<td data-label="Expires">31 Dec 2026</td>' in page  # still the last day of 2026 in New York
    assert "04 Jul 2026 12:00 EDT" in page


def test_the_approval_queue_shows_when_each_request_was_made_in_the_approvers_zone(client, sign_in, admin, make):
    make.access_request(make.user(email="newer@example.org", status="pending"), created_at=SIGNED_IN)
    settings.set_time_zone(admin, "Europe/Paris")
    sign_in.as_user(admin)
    page = client.get("/access/queue").get_data(as_text=True)
    assert "02 Mar 2026 00:30 CET" in page


def test_signed_out_the_clock_is_utc_and_a_moment_past_the_zones_calendar_stays_in_utc(app, approved_user):
    settings.set_time_zone(approved_user, "Asia/Tokyo")
    last_minute = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    with app.test_request_context("/"):
        assert local_time(SIGNED_IN, "%d %b %Y %H:%M %Z") == "01 Mar 2026 23:30 UTC"
        login_user(approved_user)
        assert local_time(SIGNED_IN.replace(tzinfo=None), "%H:%M %Z") == "08:30 JST"  # a naive moment is read as UTC
        assert local_time(last_minute, "%d %b %Y %H:%M %Z") == "31 Dec 9999 23:30 UTC"
        logout_user()
