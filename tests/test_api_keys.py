"""API keys on the settings page (made, shown once, listed, revoked) and in the back office (anyone's, revoked)."""

import pytest
from sqlalchemy import select

from tests.plugins.api import make_key
from webapp.extensions import db
from webapp.models import ApiKey, AuditEvent

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(client, sign_in, approved_user):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


def create(client, headers=None, **form):
    data = {"name": "Deploy script", "scope": "read_write", "expires_in": "90", **form}
    return client.post("/settings/api-keys/", data=data, headers=headers or {})


def test_the_settings_page_has_the_api_keys_section(client, alice):
    html = client.get("/settings/").get_data(as_text=True)
    assert 'id="api-keys"' in html and "You have no API keys." in html


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(client, alice):
    response = create(client)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    key = db.session.scalar(select(ApiKey))
    secret = html.split('value="hdk_', 1)[1].split('"', 1)[0]
    assert key.prefix.startswith("hdk_") and ("hdk_" + secret).startswith(key.prefix)
    assert secret not in key.key_hash and (key.name, str(key.scope)) == ("Deploy script", "read_write")
    assert "hdk_" + secret not in client.get("/settings/").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "api_key.created"))


def test_a_key_made_on_the_page_works_on_the_api(client, alice, api):
    html = create(client, scope="read").get_data(as_text=True)
    secret = "hdk_" + html.split('value="hdk_', 1)[1].split('"', 1)[0]
    assert api(secret).get("/api/v1/me").get_json()["data"]["email"] == alice.email


def test_an_htmx_create_answers_the_section_only(client, alice):
    response = create(client, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="api-keys"' in html


@pytest.mark.parametrize(
    "form, field", [({"name": ""}, "name"), ({"scope": "admin"}, "scope"), ({"expires_in": "7"}, "expires_in")]
)
def test_invalid_key_settings_are_422_and_store_nothing(client, alice, form, field):
    response = create(client, headers=HX, **form)
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiKey)).all() == []


def test_revoking_a_key_stops_it_and_is_audited(client, alice, api):
    secret = make_key(alice)
    key = db.session.scalar(select(ApiKey))
    response = client.post(f"/settings/api-keys/{key.id}/revoke")
    assert response.status_code == 303 and response.location.endswith("/settings/#api-keys")
    assert api(secret).get("/api/v1/me").status_code == 401
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "api_key.revoked"))


def test_someone_elses_key_cannot_be_revoked_from_the_page(client, alice, make):
    make_key(make.user())
    key = db.session.scalar(select(ApiKey))
    assert client.post(f"/settings/api-keys/{key.id}/revoke").status_code == 404
    assert db.session.get(ApiKey, key.id).revoked_at is None


def test_the_back_office_lists_everyones_keys_without_their_hash(client, sign_in, admin, make):
    make_key(make.user(email="someone@example.com"))
    sign_in.as_user(admin)
    html = client.get("/admin/api-keys/").get_data(as_text=True)
    assert "someone@example.com" in html and db.session.scalar(select(ApiKey.prefix)) in html
    assert db.session.scalar(select(ApiKey.key_hash)) not in html


def test_an_administrator_revokes_anyones_key_in_the_back_office(client, sign_in, admin, make, api):
    secret = make_key(make.user())
    key = db.session.scalar(select(ApiKey))
    sign_in.as_user(admin)
    data = {"action": "revoke", "rowid": [str(key.id)], "url": "/admin/api-keys/"}
    client.post("/admin/api-keys/action/", data=data)
    assert db.session.get(ApiKey, key.id).revoked_at is not None
    assert api(secret).get("/api/v1/me").status_code == 401
