"""The access request rules the site settings tune: a reason required or not, its minimum length, the cooldown."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.plugins.api import ApiCaller
from webapp.extensions import db
from webapp.models import AccessRequest, RequestStatus, utcnow
from webapp.services import credentials, site_settings


@pytest.fixture
def newcomer(client, sign_in, pending_user):
    sign_in.as_user(pending_user)
    return client


def requests_of(user):
    return db.session.scalars(select(AccessRequest).where(AccessRequest.user_id == user.id)).all()


def test_the_minimum_length_is_the_sites(newcomer, admin, pending_user):
    site_settings.update({"reason_min_length": 30}, admin)
    response = newcomer.post("/access/request", data={"reason": "Twenty-five characters.."})
    assert response.status_code == 422 and "at least 30 characters" in response.get_data(as_text=True)
    assert 'minlength="30"' in newcomer.get("/access/").get_data(as_text=True)
    assert requests_of(pending_user) == []


def test_without_a_required_reason_an_empty_request_is_sent(newcomer, admin, pending_user):
    site_settings.update({"reason_required": False}, admin)
    page = newcomer.get("/access/").get_data(as_text=True)
    assert "(optional)" in page and " required" not in page.split('id="access-reason"')[1].split(">")[0]
    assert newcomer.post("/access/request", data={"reason": ""}).status_code == 302
    (request,) = requests_of(pending_user)
    assert (request.reason, request.status) == ("", RequestStatus.pending)


def test_the_api_follows_the_reason_setting(app, admin, pending_user):
    site_settings.update({"reason_required": False}, admin)
    caller = ApiCaller(app.test_client(), credentials.issue_token(pending_user, app.secret_key))
    response = caller.post("/api/v1/access-requests", json={})
    assert response.status_code == 201, response.get_json()
    assert requests_of(pending_user)[0].reason == ""


@pytest.mark.parametrize("days, may_ask", [(0, True), (3, False)])
def test_the_cooldown_after_a_rejection_is_the_sites(newcomer, admin, make, pending_user, days, may_ask):
    pending_user.status = "rejected"
    make.access_request(pending_user, status=RequestStatus.rejected, decided_at=utcnow() - timedelta(days=1))
    site_settings.update({"rejection_cooldown_days": days}, admin)
    page = newcomer.get("/access/").get_data(as_text=True)
    assert ("Why do you want access?" in page) is may_ask
    assert ("You can ask again from" in page) is not may_ask
