"""Each status of the error envelope, caused for real under /api: JSON in the documented shape, never a page or a trace."""

import pytest
from sqlalchemy import text

from tests.api_typed import app  # noqa: F401  (jobs get their API: the server fault below breaks a job row)
from tests.plugins.api import make_key
from tests.typed_models import job
from webapp.api.envelope import CODES, echoed_name, failure
from webapp.extensions import db


def check_envelope(response, status):
    """The answer is ``status`` in the error envelope, with the code the envelope names for it."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:300]
    assert response.mimetype == "application/json"
    assert "<html" not in page.lower() and "Traceback" not in page
    body = response.get_json()
    assert set(body) == {"success", "error", "timestamp"} and body["success"] is False
    error = body["error"]
    assert error["code"] == CODES[status] and error["message"] and isinstance(error["details"], dict)
    return error


def bad_json(api, user, make):
    return api(user).open("POST", "/api/v1/projects", data="{not json", headers={"Content-Type": "application/json"})


def no_credential(api, user, make):
    return api().get("/api/v1/me")


def read_only_key_writes(api, user, make):
    return api(user, scope="read").post("/api/v1/projects", json={"name": "Nope"})


def someone_elses_row(api, user, make):
    theirs = make.project(make.user(), name="Theirs")
    return api(user).get(f"/api/v1/projects/{theirs.id}")


def unknown_path(api, user, make):
    return api(user).get("/api/v1/no-such-thing")


def wrong_method(api, user, make):
    return api(user).delete("/api/v1/me")


def decided_twice(api, user, make):
    # The only administrator may not give up the role: never zero administrators.
    admin = make.user(role="admin", status="approved")
    return api(admin).post(f"/api/v1/users/{admin.id}/revoke-admin")


def too_large(api, user, make):
    api_app = api().client.application
    api_app.config["MAX_CONTENT_LENGTH"] = 1024
    return api(user).post("/api/v1/projects", json={"name": "x" * 4096})


def wrong_content_type(api, user, make):
    return api(user).open("POST", "/api/v1/projects", data="name=x", headers={"Content-Type": "text/plain"})


def bad_parameter(api, user, make):
    return api(user).get("/api/v1/projects?limit=101")


def corrupt_row(api, user, make):
    # A row no code path writes (labels must be a list): reading it is a fault on our side.
    row = job(user, "Broken")
    db.session.execute(text("UPDATE test_job SET labels = '5' WHERE id = :id"), {"id": row.id})
    db.session.commit()
    db.session.expire_all()
    caller = api(user)
    caller.client.application.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production, not raised
    return caller.get(f"/api/v1/jobs/{row.id}")


CAUSES = {
    400: bad_json,
    401: no_credential,
    403: read_only_key_writes,
    404: someone_elses_row,
    405: wrong_method,
    409: decided_twice,
    413: too_large,
    415: wrong_content_type,
    422: bad_parameter,
    500: corrupt_row,
}


@pytest.mark.parametrize("status", CAUSES)
def test_each_error_status_is_answered_in_the_envelope(api, approved_user, make, status):
    error = check_envelope(CAUSES[status](api, approved_user, make), status)
    if status == 500:
        assert "labels" not in error["message"]  # nothing of the fault reaches the client


def test_an_unknown_api_path_is_a_json_404_whoever_asks(api, approved_user, make):
    check_envelope(unknown_path(api, approved_user, make), 404)
    check_envelope(api().get("/api/nothing/here"), 404)


def test_a_wrong_method_says_which_methods_the_path_takes(api, approved_user):
    response = api(approved_user).open("PUT", "/api/v1/me")
    check_envelope(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_API="1 per minute")
        return app_config

    def test_429_is_answered_in_the_envelope(self, api, approved_user):
        caller = api(make_key(approved_user))
        assert caller.get("/api/v1/me").status_code == 200
        check_envelope(caller.get("/api/v1/me"), 429)


# Black-box sweep F1: a lone surrogate (JSON "\ud800" decodes to one) in an answer made it fail to encode (a 500).
def test_the_envelope_encodes_lone_surrogates_as_json_escapes(app):
    with app.test_request_context("/api/v1/projects"):
        response = failure(422, "Caf\u00e9 \ud800", {"\udc00": "x"})
    assert b"Caf\xc3\xa9" in response.get_data()  # other text stays UTF-8
    assert response.get_json()["error"]["message"] == "Caf\u00e9 \ud800"
    assert response.get_json()["error"]["details"] == {"\udc00": ["x"]}


def test_echoed_names_are_cut_and_spell_out_lone_surrogates():
    assert echoed_name("a\ud800b" + "c" * 100) == "a\\ud800b" + "c" * 37
    assert echoed_name("Caf\u00e9") == "Caf\u00e9"
