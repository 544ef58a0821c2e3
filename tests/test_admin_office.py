"""The back office as a whole: who gets in, CSRF on every POST, the dashboard, the theme, cheap lists."""

import pytest
from sqlalchemy import text

from webapp.admin.counts import row_count
from webapp.extensions import db
from webapp.models import AccessRequest, AuditEvent, Project, User

LISTS = [
    "/admin/users/",
    "/admin/access-requests/",
    "/admin/projects/",
    "/admin/specifications/",
    "/admin/bullet-items/",
    "/admin/assets/",
    "/admin/audit-log/",
]


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/admin/projects/?search=boat")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/admin/projects/?search%3Dboat"


def test_approved_users_get_the_not_allowed_page(client, sign_in, approved_user):
    sign_in.as_user(approved_user)
    response = client.get("/admin/")
    assert response.status_code == 403 and "You do not have permission" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/", *LISTS])
def test_every_page_opens_for_an_administrator(office, url):
    assert office.get(url).status_code == 200


@pytest.fixture
def victim(make, approved_user, pending_user):
    """A project, a user and a pending request that a forged POST would change."""
    make.access_request(pending_user)
    return make.project(approved_user, name="Keep me")


@pytest.mark.parametrize("headers", [None, {"X-CSRFToken": "forged"}], ids=["missing", "forged"])
@pytest.mark.parametrize(
    "url, data",
    [
        ("/admin/projects/new/", lambda v: {"name": "Injected", "owner": v.owner_id, "status": "draft"}),
        ("/admin/projects/edit/?id={id}", lambda v: {"name": "Changed", "owner": v.owner_id, "status": "draft"}),
        ("/admin/projects/delete/", lambda v: {"id": v.id}),
        ("/admin/projects/action/", lambda v: {"action": "delete", "rowid": [v.id]}),
        ("/admin/users/action/", lambda v: {"action": "suspend", "rowid": [v.owner_id]}),
        ("/admin/access-requests/decide/", lambda v: {"decision": "approve", "rowid": ["1"]}),
    ],
)
def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(office, victim, headers, url, data):
    before = _snapshot()
    response = office.post(url.format(id=victim.id), data=data(victim), headers=headers, csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert _snapshot() == before


def _snapshot():
    db.session.expire_all()
    return (
        [(p.id, p.name) for p in db.session.query(Project).order_by(Project.id)],
        [(u.id, u.status) for u in db.session.query(User).order_by(User.id)],
        [(r.id, r.status) for r in db.session.query(AccessRequest)],
        db.session.query(AuditEvent).count(),
    )


def test_forms_carry_the_csrf_token_as_a_field(office, victim):
    for url in ("/admin/projects/new/", f"/admin/projects/edit/?id={victim.id}", "/admin/projects/"):
        assert 'name="csrf_token"' in office.get(url).get_data(as_text=True), url


def test_a_form_posted_with_its_field_token_is_accepted(office, victim, approved_user):
    token = office.csrf_token()
    data = {"csrf_token": token, "name": "Posted by the form", "owner": approved_user.id, "status": "draft"}
    assert office.post("/admin/projects/new/", data=data, csrf=False).status_code == 302
    assert db.session.query(Project).filter_by(name="Posted by the form").count() == 1


def test_dashboard_highlights_waiting_requests_with_links_to_the_queue(office, victim):
    html = office.get("/admin/").get_data(as_text=True)
    assert "hd-waiting-active" in html and "access request waiting" in html
    assert 'href="/access/queue"' in html and 'href="/admin/access-requests/"' in html
    assert "newcomer@example.com" in html


def test_dashboard_counts_people_by_status_and_records(office, victim):
    html = office.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/users/?flt0_status_equals=pending"' in html
    assert 'href="/admin/projects/"' in html and "Projects" in html


def test_dashboard_shows_the_latest_audit_entries(office, approved_user):
    office.post("/admin/users/action/", data={"action": "suspend", "rowid": [approved_user.id]})
    html = office.get("/admin/").get_data(as_text=True)
    assert "user.suspended" in html and f"users #{approved_user.id}" in html


def test_dashboard_without_requests_says_nobody_waits(office):
    html = office.get("/admin/").get_data(as_text=True)
    assert "No access requests waiting" in html and "hd-waiting-active" not in html


def test_row_count_is_exact_for_small_tables(app, make, admin):
    for _ in range(3):
        make.project(admin)
    assert (row_count(Project).value, row_count(Project).kind, str(row_count(Project))) == (3, "exact", "3")


def test_row_count_stops_or_estimates_above_the_cap(app, make, admin, backend):
    for _ in range(5):
        make.project(admin)
    if backend == "postgresql":
        db.session.commit()
        db.session.execute(text("ANALYZE project"))
        assert row_count(Project, cap=3).kind == "estimate" and str(row_count(Project, cap=3)) == "≈ 5"
    else:
        assert (row_count(Project, cap=3).kind, str(row_count(Project, cap=3))) == ("at_least", "3+")


@pytest.mark.parametrize("url", LISTS)
def test_lists_never_count_the_whole_table(office, victim, count_queries, url):
    with count_queries() as counter:
        office.get(url)
    assert not [sql for sql in counter.statements if "count(" in sql.lower()]


def test_lists_walk_the_primary_key_newest_first(office, victim, count_queries):
    with count_queries() as counter:
        office.get("/admin/projects/")
    assert any("ORDER BY project.id DESC" in sql for sql in counter.statements)


@pytest.mark.parametrize(
    "theme, present, absent",
    [
        ("dark", ["swatch/slate/bootstrap.min.css"], ["swatch/default/bootstrap.min.css"]),
        ("light", ["swatch/default/bootstrap.min.css"], ["swatch/slate/bootstrap.min.css"]),
        ("system", ['media="(prefers-color-scheme: light)"', 'media="(prefers-color-scheme: dark)"'], []),
    ],
)
def test_the_stylesheet_follows_the_users_theme(office, admin, theme, present, absent):
    admin.settings = {"theme": theme}
    db.session.commit()
    html = office.get("/admin/").get_data(as_text=True)
    assert f'data-theme="{theme}"' in html
    assert all(piece in html for piece in present) and not any(piece in html for piece in absent)


def test_the_menu_leads_back_to_the_app(office):
    html = office.get("/admin/users/").get_data(as_text=True)
    assert 'href="/"' in html and "Back to the site" in html
    assert "css/admin.css" in html and "js/admin.js" in html


def test_no_page_has_inline_event_handlers(office, victim):
    for url in ["/admin/", *LISTS, "/admin/projects/new/", f"/admin/projects/edit/?id={victim.id}"]:
        html = office.get(url).get_data(as_text=True).lower()
        assert " onclick=" not in html and " onchange=" not in html and " onsubmit=" not in html, url
