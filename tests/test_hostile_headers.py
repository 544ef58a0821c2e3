"""Request headers a client controls (HX-*, Referer) are read defensively: a bad one is ignored or a 400, never a 500."""

import pytest
from sqlalchemy import select

from tests.plugins.google import google_settings
from webapp import create_app
from webapp.extensions import db
from webapp.models import Project

HX = {"HX-Request": "true"}
EXPIRED_FORM = "This form has expired or was not sent from this site"


# Issue 16: a malformed HX-Current-URL answered 500, anonymously too.
@pytest.mark.parametrize(
    "header", ["http://[", "http://[::1", "https://host:99999999/x", "javascript:alert(1)", "\x7f"]
)
def test_a_malformed_current_url_header_is_ignored(client, approved_user, sign_in, make, header):
    sign_in.as_user(approved_user)
    make.project(approved_user, name="Shown")
    response = client.get("/projects/", headers={**HX, "HX-Current-URL": header})
    assert response.status_code == 200
    assert "Shown" in response.get_data(as_text=True)


def test_a_malformed_current_url_header_keeps_the_return_path_on_this_site(client):
    response = client.get("/projects/?q=x", headers={**HX, "HX-Current-URL": "http://["})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/auth/login?next=/projects/?q%3Dx")


# Issue 16: Flask-WTF's strict Referer check raised ValueError (a 500) on a Referer with a bad port.
@pytest.mark.parametrize("referer", ["https://localhost:5056.evil/", "http://[", "https://localhost:-1/"])
def test_a_malformed_referer_on_a_valid_form_post_is_the_expired_form_page(client, approved_user, sign_in, referer):
    sign_in.as_user(approved_user)
    response = client.post(
        "https://localhost/projects/",
        data={"name": "Never stored", "status": "active"},
        headers={"Referer": referer},
    )
    assert response.status_code == 400
    assert EXPIRED_FORM in response.get_data(as_text=True)
    assert db.session.scalars(select(Project)).all() == []


def test_a_same_site_referer_on_https_still_passes(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = client.post(
        "https://localhost/projects/",
        data={"name": "Stored", "status": "active"},
        headers={"Referer": "https://localhost/projects/"},
    )
    assert response.status_code == 303
    assert [project.name for project in db.session.scalars(select(Project))] == ["Stored"]


# Issue 16 ("Also"): headers that keep signed-in pages private and the app's window to itself.
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_signed_in_pages_are_never_cached(client, approved_user, sign_in, headers):
    sign_in.as_user(approved_user)
    response = client.get("/projects/", headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_pending_persons_status_page_is_never_cached(client, pending_user, sign_in):
    sign_in.as_user(pending_user)
    assert client.get("/access/").headers["Cache-Control"] == "private, no-store"


def test_files_keep_their_own_cache_policy_for_signed_in_people(client, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")


def test_liveness_loads_nobody_to_decide_on_caching(client, approved_user, sign_in, count_queries):
    sign_in.as_user(approved_user)
    with count_queries() as counter:
        response = client.get("/health")
    assert response.status_code == 200 and counter.count == 0
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/", "/auth/login", "/health", "/share/nothing-here"])
def test_every_answer_isolates_its_window_from_other_origins(client, path):
    assert client.get(path).headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_htmx_never_runs_script_tags_from_swapped_content(client):
    import json
    import re

    html = client.get("/auth/login").get_data(as_text=True)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html).group(1)
    assert json.loads(config)["allowScriptTags"] is False


def test_the_access_request_export_writes_the_reason_as_plain_text(client, admin, sign_in, make, pending_user):
    import csv
    import io

    reason = 'I review <b>specs</b> & "quotes" for the team; ' + "a long reason, " * 10
    make.access_request(pending_user, reason=reason)
    sign_in.as_user(admin)
    body = client.get("/admin/access-requests/export/csv/", buffered=True).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["Reason"] for row in rows] == [reason]
    assert "<span" not in body


# Found by the hostile catalogue (tests/hostile/): the failed sign-in page came whole to an htmx request.
def test_a_failed_sign_in_asked_by_htmx_is_a_fragment_and_a_toast(app_config, issuer):
    client = create_app({**app_config, **google_settings(issuer)}).test_client()
    response = client.get("/auth/google/callback?error=access_denied", headers=HX)
    assert response.status_code == 400
    assert "<html" not in response.get_data(as_text=True) and "toast" in response.headers["HX-Trigger"]
