"""The API of declared resources: the same rows, checks, audit and ordering as the pages, as JSON."""

import io

import pytest
from PIL import Image
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEvent, BulletItem, Project, Specification


@pytest.fixture
def owner(make):
    return make.user(email="owner@example.com")


@pytest.fixture
def caller(api, owner):
    return api(owner)


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "purple").save(buffer, "PNG")
    return buffer.getvalue()


def test_list_shows_only_the_callers_projects_newest_first(caller, owner, make):
    first, second = make.project(owner, name="First"), make.project(owner, name="Second")
    make.project(make.user(), name="Someone else's")
    response = caller.get("/api/v1/projects")
    assert response.status_code == 200
    body = response.get_json()
    assert [row["id"] for row in body["data"]] == [second.id, first.id]
    assert body["meta"] == {"next": None, "limit": 25}
    assert body["data"][0]["owner_id"] == owner.id and body["data"][0]["status"] == "draft"


def test_list_pages_by_cursor(caller, owner, make):
    projects = [make.project(owner) for _ in range(5)]
    first = caller.get("/api/v1/projects?limit=2").get_json()
    assert [row["id"] for row in first["data"]] == [projects[4].id, projects[3].id]
    second = caller.get(f"/api/v1/projects?limit=2&after={first['meta']['next']}").get_json()
    assert [row["id"] for row in second["data"]] == [projects[2].id, projects[1].id]


def test_search_finds_by_name(caller, owner, make):
    make.project(owner, name="Alpha launch")
    make.project(owner, name="Beta")
    rows = caller.get("/api/v1/projects?q=launch").get_json()["data"]
    assert [row["name"] for row in rows] == ["Alpha launch"]


@pytest.mark.parametrize(
    "query, field", [("limit=0", "limit"), ("limit=101", "limit"), ("limit=²", "limit"), ("after=abc", "after")]
)
def test_bad_paging_parameters_are_422_naming_the_parameter(caller, query, field):
    response = caller.get(f"/api/v1/projects?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_list_uses_at_most_three_statements_whatever_the_row_count(caller, owner, make, count_queries):
    secret = caller.headers
    for n in (2, 40):
        for _ in range(n):
            make.project(owner)
        with count_queries() as counter:
            assert caller.get("/api/v1/projects?limit=100", headers=secret).status_code == 200
        assert counter.count <= 3, counter.statements


def test_create_stores_an_owned_project_and_audits_it(caller, owner):
    response = caller.post("/api/v1/projects", json={"name": "  Launch  ", "description": "Go"})
    assert response.status_code == 201
    data = response.get_json()["data"]
    project = db.session.get(Project, data["id"])
    assert (project.name, project.owner_id, str(project.status)) == ("Launch", owner.id, "draft")
    assert response.headers["Location"].endswith(f"/api/v1/projects/{project.id}")
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == str(project.id))) == (
        "project.created"
    )


def test_create_with_invalid_values_is_422_with_each_field_and_stores_nothing(caller):
    response = caller.post("/api/v1/projects", json={"name": "", "status": "sideways", "colour": "red"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"name", "status", "colour"}
    assert db.session.scalars(select(Project)).all() == []


@pytest.mark.parametrize("value", [5, ["a"], {"x": 1}, True])
def test_a_text_field_given_another_json_type_is_422(caller, value):
    response = caller.post("/api/v1/projects", json={"name": value})
    assert response.status_code == 422 and "name" in response.get_json()["error"]["details"]


def test_a_body_that_is_not_json_is_415(caller):
    response = caller.post("/api/v1/projects", data="name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null", '"text"'])
def test_a_json_body_that_is_not_an_object_is_400(caller, raw):
    response = caller.post("/api/v1/projects", data=raw, content_type="application/json")
    assert response.status_code == 400


def test_patch_changes_only_the_members_sent(caller, owner, make):
    project = make.project(owner, name="Old", description="Keep me")
    response = caller.patch(f"/api/v1/projects/{project.id}", json={"status": "active"})
    assert response.status_code == 200
    db.session.refresh(project)
    assert (project.name, project.description, str(project.status)) == ("Old", "Keep me", "active")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_someone_elses_project_is_404_on_every_method(api, make, method):
    stranger_project = make.project(make.user(), name="Private")
    response = api(make.user()).open(method, f"/api/v1/projects/{stranger_project.id}", json={"name": "Mine now"})
    assert response.status_code == 404
    assert db.session.get(Project, stranger_project.id).name == "Private"


def test_an_administrator_lists_everyones_projects_with_scope_all(api, admin, make):
    make.project(make.user(), name="Someone's")
    assert api(admin).get("/api/v1/projects").get_json()["data"] == []
    rows = api(admin).get("/api/v1/projects?scope=all").get_json()["data"]
    assert [row["name"] for row in rows] == ["Someone's"]


def test_create_update_and_delete_are_audited_as_page_writes_are(caller, owner):
    project_id = caller.post("/api/v1/projects", json={"name": "Roof"}).get_json()["data"]["id"]
    assert caller.patch(f"/api/v1/projects/{project_id}", json={"status": "done"}).status_code == 200
    assert caller.patch(f"/api/v1/projects/{project_id}", json={"status": "done"}).status_code == 200  # no change
    assert caller.delete(f"/api/v1/projects/{project_id}").status_code == 200
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        ("project.created", owner.id, str(project_id)),
        ("project.updated", owner.id, str(project_id)),
        ("project.deleted", owner.id, str(project_id)),
    ]
    assert events[1].details == {"changes": {"status": {"before": "draft", "after": "done"}}, "via": "api"}


def test_delete_removes_the_project_and_its_specifications(caller, owner, make):
    project_id = make.project(owner).id
    make.specification(db.session.get(Project, project_id))
    response = caller.delete(f"/api/v1/projects/{project_id}")
    assert response.status_code == 200 and response.get_json()["data"] == {"id": project_id, "deleted": True}
    assert db.session.scalars(select(Specification)).all() == []


def test_specifications_are_created_and_listed_under_their_project(caller, owner, make):
    project = make.project(owner)
    created = caller.post(f"/api/v1/projects/{project.id}/specifications", json={"title": "API", "body": "JSON"})
    assert created.status_code == 201 and created.get_json()["data"]["project_id"] == project.id
    listed = caller.get(f"/api/v1/projects/{project.id}/specifications").get_json()["data"]
    assert [row["title"] for row in listed] == ["API"]


def test_children_of_someone_elses_project_are_404(api, make):
    project = make.project(make.user())
    caller = api(make.user())
    assert caller.get(f"/api/v1/projects/{project.id}/specifications").status_code == 404
    assert caller.post(f"/api/v1/projects/{project.id}/specifications", json={"title": "x"}).status_code == 404


def test_items_are_added_last_and_reordered_by_ids(caller, owner, make):
    spec = make.specification(make.project(owner))
    ids = [
        caller.post(f"/api/v1/specifications/{spec.id}/items", json={"text": t}).get_json()["data"]["id"] for t in "abc"
    ]
    response = caller.put(f"/api/v1/specifications/{spec.id}/items/order", json={"ids": list(reversed(ids))})
    assert response.status_code == 200 and response.get_json()["meta"] == {"moved": True}
    assert [row["text"] for row in response.get_json()["data"]] == ["c", "b", "a"]
    assert [row["position"] for row in response.get_json()["data"]] == [0, 1, 2]


def test_an_item_moves_one_place_down(caller, owner, make):
    spec = make.specification(make.project(owner))
    first, second = make.bullet_items(spec, "first", "second")
    response = caller.post(f"/api/v1/items/{first.id}/move", json={"direction": "down"})
    assert response.status_code == 200 and response.get_json()["data"]["position"] == 1
    order = db.session.scalars(select(BulletItem.text).order_by(BulletItem.position)).all()
    assert order == ["second", "first"]


@pytest.mark.parametrize("payload", [{"direction": "sideways"}, {}, {"ids": "1,2"}])
def test_bad_ordering_bodies_are_422(caller, owner, make, payload):
    spec = make.specification(make.project(owner))
    (item,) = make.bullet_items(spec, "only")
    if "ids" in payload:
        response = caller.put(f"/api/v1/specifications/{spec.id}/items/order", json=payload)
    else:
        response = caller.post(f"/api/v1/items/{item.id}/move", json=payload)
    assert response.status_code == 422


# An unknown member beside a valid one was ignored (the move or reorder applied).
@pytest.mark.parametrize("operation", ["move", "reorder"])
def test_an_ordering_body_with_an_unknown_member_is_422_and_moves_nothing(caller, owner, make, operation):
    spec = make.specification(make.project(owner))
    first, second = make.bullet_items(spec, "first", "second")
    if operation == "move":
        response = caller.post(f"/api/v1/items/{first.id}/move", json={"direction": "down", "dir": "up"})
    else:
        path = f"/api/v1/specifications/{spec.id}/items/order"
        response = caller.put(path, json={"ids": [second.id, first.id], "order": "x"})
    assert response.status_code == 422 and list(response.get_json()["error"]["details"]) in (["dir"], ["order"])
    assert db.session.scalars(select(BulletItem.text).order_by(BulletItem.position)).all() == ["first", "second"]


def test_a_cover_image_is_uploaded_as_multipart(caller, owner):
    data = {"name": "With cover", "cover": (io.BytesIO(png_bytes()), "cover.png")}
    response = caller.client.post(
        "/api/v1/projects", data=data, headers=caller.headers, content_type="multipart/form-data", csrf=False
    )
    assert response.status_code == 201, response.get_json()
    cover = response.get_json()["data"]["cover"]
    assert (cover["width"], cover["height"]) == (40, 30)
    assert db.session.get(Project, response.get_json()["data"]["id"]).cover_asset_id == cover["id"]


def test_a_file_that_is_not_an_image_is_422_and_stores_nothing(caller):
    data = {"name": "Bad cover", "cover": (io.BytesIO(b"not an image"), "cover.png")}
    response = caller.client.post(
        "/api/v1/projects", data=data, headers=caller.headers, content_type="multipart/form-data", csrf=False
    )
    assert response.status_code == 422 and "cover" in response.get_json()["error"]["details"]
    assert db.session.scalars(select(Project)).all() == []


def test_the_cover_is_removed_with_null(caller, owner):
    data = {"name": "With cover", "cover": (io.BytesIO(png_bytes()), "cover.png")}
    created = caller.client.post(
        "/api/v1/projects", data=data, headers=caller.headers, content_type="multipart/form-data", csrf=False
    ).get_json()["data"]
    response = caller.patch(f"/api/v1/projects/{created['id']}", json={"cover": None})
    assert response.status_code == 200 and response.get_json()["data"]["cover"] is None


def test_a_childs_list_uses_at_most_three_statements(caller, owner, make, count_queries):
    project = make.project(owner)
    path = f"/api/v1/projects/{project.id}/specifications?limit=100"
    caller.get(path)  # a key's first use in a minute also notes its last use (one UPDATE): count the steady state
    for count in (2, 30):
        for _ in range(count):
            make.specification(project)
        with count_queries() as counter:
            assert caller.get(path).status_code == 200
        assert counter.count <= 3, counter.statements
