"""Share links: the owner creates and revokes them; anyone holding one reads the project, and nothing else."""

import re

import pytest
from sqlalchemy import func, select

from tests.plugins.accounts import SignIn
from webapp.extensions import db
from webapp.models import AuditEvent, Project, User
from webapp.services import access, projects

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


@pytest.fixture
def project(alice, make):
    """Alice's project with one specification of two items."""
    project = make.project(alice, name="Garden", description="Beds and paths", status="active")
    specification = make.specification(project, title="Planting", body="Spring only")
    make.bullet_items(specification, "Tulips", "Roses")
    return project


def token_of(project_id):
    return db.session.scalar(select(Project.share_token).where(Project.id == project_id))


def test_owner_creates_an_unguessable_link(client, project):
    response = client.post(f"/share/projects/{project.id}", headers=HX)
    html = response.get_data(as_text=True)
    token = token_of(project.id)
    assert response.status_code == 200 and "<html" not in html
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # 32 random bytes: 256 bits
    assert f"/share/{token}" in html and "Revoke link" in html


def test_creating_a_link_is_audited(client, project, alice):
    client.post(f"/share/projects/{project.id}")
    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "project.share_created",
        alice.id,
        "project",
        str(project.id),
    )
    assert token_of(project.id) not in str(event.details)


def test_creating_again_keeps_the_same_link(client, project):
    client.post(f"/share/projects/{project.id}")
    first = token_of(project.id)
    client.post(f"/share/projects/{project.id}")
    assert token_of(project.id) == first
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_links_differ_between_projects(client, project, alice, make):
    other = make.project(alice)
    client.post(f"/share/projects/{project.id}")
    client.post(f"/share/projects/{other.id}")
    assert token_of(project.id) != token_of(other.id)


def test_without_htmx_creating_returns_to_the_project_page(client, project):
    response = client.post(f"/share/projects/{project.id}")
    assert response.status_code == 303 and response.headers["Location"] == f"/projects/{project.id}#share-panel"


def test_anyone_with_the_link_reads_the_project_without_edit_controls(app, project, make):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    anonymous = app.test_client()
    response = anonymous.get("/share/a-shared-token-for-the-garden-project-000000")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Garden", "Beds and paths", "Planting", "Spring only", "Tulips", "Roses", "Active"):
        assert text in html
    assert html.index("Tulips") < html.index("Roses")
    assert "hx-post" not in html and 'method="post"' not in html and "/edit" not in html and "/delete" not in html


def test_shared_page_is_kept_out_of_search_engines_and_caches(app, project):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    response = app.test_client().get("/share/a-shared-token-for-the-garden-project-000000")
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


def test_shared_page_costs_three_statements(app, project, make, count_queries):
    for n in range(5):
        make.bullet_items(make.specification(project), *[f"item {n}.{i}" for i in range(4)])
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    anonymous = app.test_client()
    with count_queries() as counter:
        assert anonymous.get("/share/a-shared-token-for-the-garden-project-000000").status_code == 200
    assert counter.count <= 3, counter.statements


def test_revoked_link_is_not_found(app, client, project, alice):
    client.post(f"/share/projects/{project.id}")
    token = token_of(project.id)
    response = client.post(f"/share/projects/{project.id}/revoke", headers=HX)
    assert response.status_code == 200 and "Create share link" in response.get_data(as_text=True)
    assert token_of(project.id) is None
    assert app.test_client().get(f"/share/{token}").status_code == 404
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["project.share_created", "project.share_revoked"]


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "x" * 200])
def test_wrong_token_is_not_found(app, project, token):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    assert app.test_client().get(f"/share/{token}").status_code == 404


def test_someone_else_cannot_share_or_revoke_my_project(app, project, make):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    intruder = app.test_client()
    SignIn(intruder).as_user(make.user())
    assert intruder.post(f"/share/projects/{project.id}/revoke").status_code == 404
    assert intruder.post(f"/share/projects/{project.id}").status_code == 404
    assert token_of(project.id) == "a-shared-token-for-the-garden-project-000000"


# Issue 16: a suspended person's share links stayed public.
@pytest.mark.parametrize("status", ["suspended", "rejected", "pending"])
def test_a_link_stops_working_while_its_owner_is_not_approved(app, project, status):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    project.owner.status = status
    db.session.commit()
    response = app.test_client().get("/share/a-shared-token-for-the-garden-project-000000")
    assert response.status_code == 404 and "Garden" not in response.get_data(as_text=True)
    assert token_of(project.id) == "a-shared-token-for-the-garden-project-000000"


def test_a_link_works_again_when_its_owner_is_reinstated(app, project, alice, admin):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    visitor = app.test_client()
    access.suspend(alice, admin)
    assert visitor.get("/share/a-shared-token-for-the-garden-project-000000").status_code == 404
    access.reinstate(db.session.get(User, alice.id), admin)
    assert visitor.get("/share/a-shared-token-for-the-garden-project-000000").status_code == 200


def test_a_revoked_link_stays_revoked_after_reinstatement(app, project, alice, admin):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    assert projects.revoke_share_link(project, alice)
    access.suspend(db.session.get(User, alice.id), admin)
    access.reinstate(db.session.get(User, alice.id), admin)
    assert app.test_client().get("/share/a-shared-token-for-the-garden-project-000000").status_code == 404


def test_a_deleted_owners_links_are_gone(app, project, alice):
    project.share_token = "a-shared-token-for-the-garden-project-000000"
    db.session.commit()
    db.session.delete(db.session.get(User, alice.id))
    db.session.commit()
    assert app.test_client().get("/share/a-shared-token-for-the-garden-project-000000").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Project)) == 0
