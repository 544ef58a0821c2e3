"""A project's cover image through the project forms and the back office, on local disk and Cloudinary.

The htmx way uploads first and submits the new asset's id in a hidden field; without
JavaScript the file travels with the form. Replaced, removed and deleted covers are
released in the record's own transaction and their files deleted after the commit.
"""

import io
import re

import pytest
from sqlalchemy import delete, event, select
from werkzeug.datastructures import FileStorage

from tests.uploads_support import (  # noqa: F401  (fixtures)
    app_config,
    asset_count,
    cloud,
    image_bytes,
    post_multipart,
    storage_kind,
    stored,
    upload,
)
from webapp.extensions import db
from webapp.models import Asset, AuditEvent, Project
from webapp.uploads import service as uploads

HX = {"HX-Request": "true"}


def png_file(color="teal", name="cover.png"):
    return FileStorage(io.BytesIO(image_bytes(color=color)), name, content_type="image/png")


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


@pytest.fixture
def gone(storage_kind, cloud, stored):
    """``gone(asset_key)``: True when the backend no longer holds the file (nor its thumbnails)."""

    def check(key):
        if storage_kind == "cloudinary":
            return key in cloud.destroyed and key not in cloud.uploads
        token = key.split(".")[0]
        return not any(name.startswith(token) for name in stored())

    return check


def covered_project(owner, make, color="red"):
    """A project of ``owner`` whose cover is already attached."""
    return make.project(owner, name="Boat refit", description="", cover=uploads.store_image(png_file(color), owner))


def uploaded_id(response):
    """The asset id an htmx upload left in the field's hidden input."""
    return int(re.search(r'<input type="hidden" name="cover" value="(\d+)">', response.get_data(as_text=True)).group(1))


def test_htmx_create_attaches_the_upload_in_the_same_save(client, alice):
    asset_id = uploaded_id(upload(client, image_bytes(), htmx=True, extra={"image_field_id": "projects-new-cover"}))
    response = client.post("/projects/", data={"name": "Roof", "status": "active", "cover": str(asset_id)}, headers=HX)
    project = db.session.scalar(select(Project))
    asset = db.session.get(Asset, asset_id)
    assert response.status_code == 200
    assert project.cover_asset_id == asset_id and asset.orphaned_at is None
    assert uploads.thumbnail_url(asset, "thumb") in response.get_data(as_text=True)  # the new row


def test_create_without_javascript_sends_the_file_with_the_form(client, alice, stored):
    form = {"name": "Roof", "status": "draft", "description": "", "cover": "", "cover_file": png_file()}
    response = post_multipart(client, "/projects/", form)
    project = db.session.scalar(select(Project))
    assert response.status_code == 303 and response.headers["Location"].endswith("/projects/")
    assert project.cover is not None and project.cover.orphaned_at is None and project.cover.owner_id == alice.id
    assert stored()


def test_edit_replaces_the_cover_and_deletes_the_old_file_after_the_commit(client, alice, make, gone):
    project = covered_project(alice, make)
    old_id, old_key = project.cover_asset_id, project.cover.key
    new_id = uploaded_id(upload(client, image_bytes(color="blue"), htmx=True))
    response = client.post(
        f"/projects/{project.id}/edit", data={"name": "Boat refit", "status": "draft", "cover": str(new_id)}, headers=HX
    )
    assert response.status_code == 200
    assert db.session.get(Project, project.id).cover_asset_id == new_id
    assert db.session.get(Asset, old_id) is None and gone(old_key)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project.updated")).one()
    change = event.details["changes"]["cover"]
    assert list(event.details["changes"]) == ["cover"] and (change["before"]["id"], change["after"]["id"]) == (
        old_id,
        new_id,
    )


def test_edit_without_javascript_replaces_the_cover_with_the_posted_file(client, alice, make, gone):
    project = covered_project(alice, make)
    old_id, old_key = project.cover_asset_id, project.cover.key
    form = {"name": "Boat refit", "status": "draft", "cover": str(old_id), "cover_file": png_file("green")}
    assert post_multipart(client, f"/projects/{project.id}/edit", form).status_code == 303
    project = db.session.get(Project, project.id)
    assert project.cover_asset_id not in (None, old_id) and gone(old_key)


def test_saving_the_form_unchanged_keeps_the_cover(client, alice, make, stored):
    project = covered_project(alice, make)
    cover_id, files = project.cover_asset_id, stored()
    client.post(f"/projects/{project.id}/edit", data={"name": "Renamed", "status": "draft", "cover": str(cover_id)})
    assert db.session.get(Project, project.id).cover_asset_id == cover_id and stored() == files


def test_remove_takes_the_cover_off_and_deletes_it(client, alice, make, gone):
    project = covered_project(alice, make)
    key = project.cover.key
    form = {"name": "Boat refit", "status": "draft", "cover": str(project.cover_asset_id), "cover_remove": "1"}
    assert client.post(f"/projects/{project.id}/edit", data=form).status_code == 303
    assert db.session.get(Project, project.id).cover_asset_id is None and asset_count() == 0 and gone(key)


def test_refused_file_says_why_in_place_and_keeps_what_was_typed(client, alice, stored):
    not_a_picture = FileStorage(io.BytesIO(b"plain text, not a picture"), "notes.png", content_type="image/png")
    form = {"name": "Roof", "status": "done", "description": "Keep me", "cover": "", "cover_file": not_a_picture}
    response = post_multipart(client, "/projects/", form, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html
    assert "is not a JPEG, PNG, WebP or GIF image" in html and 'aria-invalid="true"' in html
    assert 'value="Roof"' in html and "Keep me</textarea>" in html and '<option value="done" selected>' in html
    assert db.session.scalar(select(Project)) is None and asset_count() == 0 and stored() == []


def test_refused_file_on_edit_keeps_the_current_cover(client, alice, make):
    project = covered_project(alice, make)
    cover = project.cover
    bad = FileStorage(io.BytesIO(b"<svg onload=alert(1)>"), "x.png", content_type="image/png")
    form = {"name": "Renamed", "status": "draft", "cover": str(cover.id), "cover_file": bad}
    response = post_multipart(client, f"/projects/{project.id}/edit", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "SVG images are not accepted" in html and 'value="Renamed"' in html
    assert uploads.thumbnail_url(cover, "card") in html
    project = db.session.get(Project, project.id)
    assert (project.name, project.cover_asset_id, asset_count()) == ("Boat refit", cover.id, 1)


def test_a_file_sent_with_a_refused_form_is_kept_for_the_next_try(client, alice):
    response = post_multipart(
        client, "/projects/", {"name": "", "status": "draft", "cover": "", "cover_file": png_file()}
    )
    asset = db.session.scalar(select(Asset))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Name is required." in html
    assert f'<input type="hidden" name="cover" value="{asset.id}">' in html and asset.orphaned_at is not None
    assert (
        client.post("/projects/", data={"name": "Roof", "status": "draft", "cover": str(asset.id)}).status_code == 303
    )
    assert db.session.scalar(select(Project.cover_asset_id)) == asset.id


def test_someone_elses_upload_cannot_be_attached(client, alice, make):
    theirs = uploads.store_image(png_file(), make.user())
    response = client.post("/projects/", data={"name": "Roof", "status": "draft", "cover": str(theirs.id)}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "This image is no longer available" in html
    assert uploads.thumbnail_url(theirs, "card") not in html and theirs.url not in html
    assert db.session.scalar(select(Project)) is None
    assert db.session.get(Asset, theirs.id).orphaned_at is not None


def test_someone_elses_cover_cannot_be_taken_by_editing(client, alice, make):
    theirs = covered_project(make.user(), make)
    mine = make.project(alice, name="Mine")
    form = {"name": "Mine", "status": "draft", "cover": str(theirs.cover_asset_id)}
    assert client.post(f"/projects/{mine.id}/edit", data=form).status_code == 422
    assert db.session.get(Project, mine.id).cover_asset_id is None
    assert db.session.get(Project, theirs.id).cover_asset_id is not None


@pytest.fixture
def purged_at_save():
    """``purged_at_save(asset_id)``: the asset's row vanishes just before the next save writes, as a purge would."""
    listeners = []

    def arrange(asset_id):
        def purge(session, flush_context, instances):
            # As another process would: the session still believes the row is there.
            session.execute(delete(Asset).where(Asset.id == asset_id), execution_options={"synchronize_session": False})

        event.listen(db.session, "before_flush", purge, once=True)
        listeners.append(purge)

    yield arrange
    for purge in listeners:
        if event.contains(db.session, "before_flush", purge):
            event.remove(db.session, "before_flush", purge)


def test_an_upload_purged_before_the_save_is_a_message_not_a_crash(client, alice, purged_at_save):
    asset_id = uploaded_id(upload(client, image_bytes(), htmx=True))
    purged_at_save(asset_id)
    response = client.post("/projects/", data={"name": "Roof", "status": "draft", "cover": str(asset_id)}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "This image is no longer available" in html and 'value="Roof"' in html
    assert db.session.scalar(select(Project)) is None


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_deleting_a_project_deletes_its_cover(client, alice, make, gone, headers):
    project = covered_project(alice, make)
    key = project.cover.key
    assert client.post(f"/projects/{project.id}/delete", headers=headers).status_code in (200, 303)
    assert asset_count() == 0 and gone(key)


def test_deleting_a_project_in_the_back_office_deletes_its_cover(client, sign_in, admin, approved_user, make, gone):
    project = covered_project(approved_user, make)
    project_id, key = project.id, project.cover.key
    sign_in.as_user(admin)
    response = client.post("/admin/projects/delete/", data={"id": project_id, "url": "/admin/projects/"})
    assert response.status_code == 302 and db.session.get(Project, project_id) is None
    assert asset_count() == 0 and gone(key)


def test_deleting_a_selection_in_the_back_office_deletes_their_covers(
    client, sign_in, admin, approved_user, make, gone
):
    projects = [covered_project(approved_user, make, color) for color in ("red", "blue")]
    keys = [project.cover.key for project in projects]
    sign_in.as_user(admin)
    client.post(
        "/admin/projects/action/",
        data={"action": "delete", "rowid": [p.id for p in projects], "url": "/admin/projects/"},
    )
    assert db.session.query(Project).count() == 0 and asset_count() == 0 and all(gone(key) for key in keys)


def test_back_office_lists_show_the_thumbnail(client, sign_in, admin, approved_user, make):
    project = covered_project(approved_user, make)
    thumb = uploads.thumbnail_url(project.cover, "thumb")
    sign_in.as_user(admin)
    for url in ("/admin/projects/", "/admin/assets/", f"/admin/projects/details/?id={project.id}"):
        html = client.get(url).get_data(as_text=True)
        assert f'<img class="hd-thumb" src="{thumb}"' in html, url
