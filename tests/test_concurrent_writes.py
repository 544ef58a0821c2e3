"""Writes racing a deletion of the same row (or of its parent): a 404 or 409, never a 500, and one audit entry.

Found by a black-box sweep on PostgreSQL (4 PATCH + 4 DELETE of one specification at once).
Most races are replayed deterministically: the other request's deletion runs, on its own
connection or in its own thread, at the exact statement (or commit) of the request under test.
"""

import re
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, event, func, select

from webapp.extensions import db
from webapp.models import AuditEvent, BulletItem, Project, Specification

HX = {"HX-Request": "true"}


@pytest.fixture
def owner(make):
    return make.user(email="owner@example.com")


@pytest.fixture
def caller(api, owner):
    return api(owner)


def in_another_thread(job):
    """Run ``job`` in a thread of its own: another request, with its own app context and session."""
    result = []
    thread = threading.Thread(target=lambda: result.append(job()))
    thread.start()
    thread.join(30)
    return result[0]


def delete_row(model, row_id):
    """Delete a row as another request would, on its own connection, committed (children go by cascade)."""

    def job():
        with db.engine.begin() as connection:
            connection.execute(delete(model.__table__).where(model.__table__.c.id == row_id))

    return job


@contextmanager
def meanwhile(pattern, job, after_commit=False):
    """Run ``job`` once, just before the first statement matching ``pattern`` (a regex) is sent.

    With ``after_commit``, that statement only arms it: ``job`` runs right after the next commit.
    """
    state = {"armed": False, "done": False}

    def run():
        state["done"] = True
        job()

    def before_statement(conn, cursor, statement, parameters, context, executemany):
        if state["done"] or state["armed"] or not re.search(pattern, statement, re.DOTALL):
            return
        if after_commit:
            state["armed"] = True
        else:
            run()

    def after_commit_(session):
        if state["armed"] and not state["done"]:
            run()

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_statement)
    event.listen(db.session, "after_commit", after_commit_)
    try:
        yield state
    finally:
        event.remove(engine, "before_cursor_execute", before_statement)
        event.remove(db.session, "after_commit", after_commit_)
    assert state["done"], f"no statement matched {pattern!r}"


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audited(action, target_id):
    return count(AuditEvent, AuditEvent.action == action, AuditEvent.target_id == str(target_id))


def exists(model, row_id):
    return count(model, model.id == row_id) == 1


def assert_gone_answer(response, singular):
    assert response.status_code == 404, response.get_data(as_text=True)
    assert (
        response.get_json()["error"]["message"] == f"The {singular} no longer exists: someone deleted it a moment ago."
    )


# a) A PATCH whose row another request deletes between loading it and writing it.


@pytest.fixture
def rows(owner, make):
    """A project with a specification holding two items: ids by name."""
    project = make.project(owner)
    spec = make.specification(project)
    items = make.bullet_items(spec, "one", "two")
    return {"projects": project.id, "specifications": spec.id, "items": items[0].id}


TABLES = {"projects": Project, "specifications": Specification, "items": BulletItem}
# The first write of each PATCH: a project's audit entry may be flushed before its UPDATE (and on
# SQLite that write takes the database's lock, so a deleter would wait for this request).
FIRST_WRITE = {
    "projects": r"^(INSERT INTO audit_event|UPDATE project)\b",
    "specifications": r"^UPDATE specification\b",
    "items": r"^UPDATE bullet_item\b",
}
CHANGE = {"projects": {"name": "Renamed"}, "specifications": {"title": "Renamed"}, "items": {"text": "Renamed"}}
SINGULAR = {"projects": "project", "specifications": "specification", "items": "item"}


@pytest.mark.parametrize("name", ["projects", "specifications", "items"])
def test_a_patch_of_a_row_deleted_before_its_update_is_a_404(caller, rows, name):
    # A StaleDataError was a 500 (a 422 about a cover image for a project that has none).
    model = TABLES[name]
    with meanwhile(FIRST_WRITE[name], delete_row(model, rows[name])):
        response = caller.patch(f"/api/v1/{name}/{rows[name]}", json=CHANGE[name])
    assert_gone_answer(response, SINGULAR[name])
    assert not exists(model, rows[name])
    assert audited("project.updated", rows["projects"]) == 0


def test_a_page_edit_of_a_row_deleted_before_its_update_is_a_404_fragment(client, sign_in, owner, rows):
    sign_in.as_user(owner)
    spec_id = rows["specifications"]
    with meanwhile(r"^UPDATE specification\b", delete_row(Specification, spec_id)):
        response = client.post(f"/specifications/{spec_id}/edit", data={"title": "Renamed", "body": ""}, headers=HX)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "no longer exists" in page and "<html" not in page


# b) A PATCH that commits, then a DELETE lands before its answer is built.


@pytest.mark.parametrize("name", ["projects", "specifications", "items"])
def test_a_patch_answers_with_what_it_saved_when_the_row_is_deleted_right_after(caller, rows, name):
    # Building the answer reloaded the expired row: ObjectDeletedError, a 500.
    model = TABLES[name]
    with meanwhile(FIRST_WRITE[name], delete_row(model, rows[name]), after_commit=True):
        response = caller.patch(f"/api/v1/{name}/{rows[name]}", json=CHANGE[name])
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert data["id"] == rows[name] and CHANGE[name].items() <= data.items()
    assert not exists(model, rows[name])


def test_a_page_edit_answers_with_the_saved_row_when_it_is_deleted_right_after(client, sign_in, owner, rows):
    sign_in.as_user(owner)
    spec_id = rows["specifications"]
    with meanwhile(r"^UPDATE specification\b", delete_row(Specification, spec_id), after_commit=True):
        response = client.post(f"/specifications/{spec_id}/edit", data={"title": "Renamed", "body": ""}, headers=HX)
    assert response.status_code == 200 and "Renamed" in response.get_data(as_text=True)


# c) A child created while its parent is deleted.

# The parent's lock (SELECT ... FOR UPDATE, or SQLite's no-op UPDATE) that ordered rows take before counting.
SPEC_LOCK = r"^UPDATE specification\b|^SELECT .*FROM specification\b.*FOR UPDATE"


def test_an_item_added_to_a_specification_deleted_meanwhile_is_a_404(caller, rows):
    # The INSERT's foreign key violation was a 500.
    spec_id = rows["specifications"]
    with meanwhile(SPEC_LOCK, delete_row(Specification, spec_id)):
        response = caller.post(f"/api/v1/specifications/{spec_id}/items", json={"text": "three"})
    assert_gone_answer(response, "specification")
    assert count(BulletItem) == 0


def test_a_specification_added_to_a_project_deleted_meanwhile_is_a_404(caller, rows):
    project_id = rows["projects"]
    with meanwhile(r"^INSERT INTO specification\b", delete_row(Project, project_id)):
        response = caller.post(f"/api/v1/projects/{project_id}/specifications", json={"title": "New"})
    assert_gone_answer(response, "project")
    assert count(Specification) == 0


def test_an_item_added_on_the_page_to_a_specification_deleted_meanwhile_is_a_404_page(client, sign_in, owner, rows):
    sign_in.as_user(owner)
    spec_id = rows["specifications"]
    with meanwhile(SPEC_LOCK, delete_row(Specification, spec_id)):
        response = client.post(f"/specifications/{spec_id}/items/", data={"text": "three"})
    assert response.status_code == 404
    assert "no longer exists" in response.get_data(as_text=True)
    assert count(BulletItem) == 0


def test_an_item_created_then_removed_with_its_specification_is_still_a_201(caller, rows):
    # The create committed, the cascade removed the row, then url_for(obj.id) reloaded it: a 500.
    spec_id = rows["specifications"]
    with meanwhile(r"^INSERT INTO bullet_item\b", delete_row(Specification, spec_id), after_commit=True):
        response = caller.post(f"/api/v1/specifications/{spec_id}/items", json={"text": "three"})
    assert response.status_code == 201, response.get_data(as_text=True)
    data = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/api/v1/items/{data['id']}")
    assert (data["text"], data["position"], data["specification_id"]) == ("three", 2, spec_id)
    assert count(BulletItem) == 0


# d) The same row deleted by several requests at once.

# The first statement of a delete that locks or writes the project (after the request has loaded it).
PROJECT_WRITE = r"^(DELETE FROM|UPDATE) project\b|^SELECT .*FROM project\b.*FOR UPDATE"


def test_a_project_deleted_by_another_request_first_is_a_404_and_audited_once(api, owner, rows):
    # Both answered 200 and "project.deleted" was audited twice (SAWarning: 0 rows matched).
    project_id = rows["projects"]
    first, second = api(owner), api(owner)
    answers = []

    def delete_first():
        answers.append(in_another_thread(lambda: second.delete(f"/api/v1/projects/{project_id}")))

    with meanwhile(PROJECT_WRITE, delete_first):
        response = first.delete(f"/api/v1/projects/{project_id}")
    assert answers[0].status_code == 200
    assert_gone_answer(response, "project")
    assert audited("project.deleted", project_id) == 1
    assert not exists(Project, project_id) and count(Specification) == 0


def callers_of(api, owner, n):
    """``n`` callers with keys of their own, each used once already: a key's first use in a minute notes it on a
    connection of its own, and requests each waiting for a second connection would empty the pool (4 + 2)."""
    callers = [api(owner) for _ in range(n)]
    for each in callers:
        assert each.get("/api/v1/projects").status_code == 200
    return callers


def at_once(jobs):
    """Send each request from its own thread, released together; returns the responses in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        barrier.wait(5)
        try:
            results[index] = job()
        except Exception as error:  # returned, so the test's assertion shows it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_four_deletes_of_one_project_at_once_delete_and_audit_it_once(api, owner, rows):
    project_id = rows["projects"]
    callers = callers_of(api, owner, 4)
    responses = at_once([lambda c=c: c.delete(f"/api/v1/projects/{project_id}") for c in callers])
    assert sorted(r.status_code for r in responses) == [200, 404, 404, 404], responses
    assert audited("project.deleted", project_id) == 1
    assert not exists(Project, project_id)


def test_patches_and_deletes_of_one_specification_at_once_are_never_a_500(api, owner, rows):
    # The sweep that found these races sent 4 PATCH + 4 DELETE; 3 + 3 fit the test app's pool (6 connections).
    spec_id = rows["specifications"]
    path = f"/api/v1/specifications/{spec_id}"
    patchers, deleters = callers_of(api, owner, 3), callers_of(api, owner, 3)
    jobs = [lambda c=c, n=n: c.patch(path, json={"title": f"Title {n}"}) for n, c in enumerate(patchers)]
    jobs += [lambda c=c: c.delete(path) for c in deleters]
    responses = at_once(jobs)
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert all(status in (200, 404) for status in statuses[:3]), statuses
    assert sorted(statuses[3:]) == [200, 404, 404], statuses
    assert not exists(Specification, spec_id) and count(BulletItem) == 0


def test_a_write_elsewhere_naming_a_row_deleted_meanwhile_is_a_409_page(app, client, sign_in, owner):
    # Writers outside resources.writes (services, the back office) meet the same foreign key violation.
    def orphan():
        db.session.add(Specification(project_id=2**31 - 1, title="Orphan"))
        db.session.commit()
        return "stored"

    app.add_url_rule("/test-orphan", "test_orphan", orphan)
    sign_in.as_user(owner)
    response = client.get("/test-orphan")
    assert response.status_code == 409
    assert "Someone changed the same records at the same moment" in response.get_data(as_text=True)
    assert count(Specification) == 0


def test_a_page_delete_of_a_specification_another_request_deleted_first_is_a_404_fragment(
    client, sign_in, api, owner, rows
):
    sign_in.as_user(owner)
    spec_id = rows["specifications"]
    other, answers = api(owner), []

    def delete_first():
        answers.append(in_another_thread(lambda: other.delete(f"/api/v1/specifications/{spec_id}")))

    with meanwhile(r"^(DELETE FROM|UPDATE) specification\b|^SELECT .*FROM specification\b.*FOR UPDATE", delete_first):
        response = client.post(f"/specifications/{spec_id}/delete", headers=HX)
    assert answers[0].status_code == 200
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "no longer exists" in page and "<html" not in page
    assert not exists(Specification, spec_id) and count(BulletItem) == 0


# The pages' move and reorder answer with the list they changed: a list deleted right after the commit
# left nothing to reload (ObjectDeletedError, a 500).
@pytest.mark.parametrize("action", ["move", "reorder"])
def test_a_page_move_whose_list_is_deleted_right_after_is_a_404_fragment(client, sign_in, owner, rows, action):
    sign_in.as_user(owner)
    spec_id, item_id = rows["specifications"], rows["items"]
    if action == "move":
        path, data = f"/items/{item_id}/move", {"direction": "down"}
    else:
        path, data = f"/specifications/{spec_id}/items/order", {"ids": [item_id + 1, item_id]}
    with meanwhile(r"^UPDATE bullet_item\b", delete_row(Specification, spec_id), after_commit=True):
        response = client.post(path, data=data, headers=HX)
    assert response.status_code == 404
    assert "no longer exists" in response.headers["HX-Trigger"]
