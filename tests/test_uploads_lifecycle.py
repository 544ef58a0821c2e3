"""An asset's life on both backends: stored unattached, attached, replaced, released, purged."""

import io
import logging
import os
from datetime import timedelta

import pytest
from sqlalchemy import delete
from werkzeug.datastructures import FileStorage, MultiDict

from tests.uploads_support import (  # noqa: F401  (fixtures)
    app_config,
    asset_count,
    cloud,
    image_bytes,
    storage_kind,
    stored,
)
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.models import Asset, Project, utcnow
from webapp.uploads import service as uploads


def png_file(color="teal", name="picture.png"):
    return FileStorage(io.BytesIO(image_bytes(color=color)), name, content_type="image/png")


def test_stored_image_is_an_unattached_asset_with_its_facts(app, approved_user, storage_kind, stored):
    asset = uploads.store_image(png_file(), approved_user)
    assert (asset.owner_id, asset.storage, asset.width, asset.height, asset.content_type) == (
        approved_user.id,
        storage_kind,
        64,
        48,
        "image/png",
    )
    assert asset.orphaned_at is not None  # nothing points at it yet
    if storage_kind == "local":
        token = asset.key.split(".")[0]
        assert stored() == sorted([asset.key, f"{token}.card.png", f"{token}.thumb.png"])
        assert asset.url == f"/uploads/files/{asset.key}"
    else:
        assert stored() == [asset.key] and asset.key.startswith("hyperdesk/testing/")
        assert asset.url.startswith("http://127.0.0.1:")


def test_setting_an_image_field_attaches_the_asset(app, approved_user, make):
    project = make.project(approved_user)
    asset = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(project, "cover", asset)
    db.session.expire_all()
    assert project.cover_asset_id == asset.id and asset.orphaned_at is None


def test_replacing_an_image_deletes_the_old_file_and_row_after_commit(app, approved_user, make, stored):
    project = make.project(approved_user)
    old = uploads.store_image(png_file("red"), approved_user)
    uploads.replace_image(project, "cover", old)
    old_id, old_key = old.id, old.key
    new = uploads.store_image(png_file("blue"), approved_user)
    uploads.replace_image(project, "cover", new)
    assert db.session.get(Asset, old_id) is None and project.cover == new
    assert not any(name.startswith(old_key.split(".")[0]) for name in stored())
    assert any(name.startswith(new.key.split(".")[0]) for name in stored())


def test_removing_an_image_deletes_it(app, approved_user, make, stored):
    project = make.project(approved_user)
    uploads.replace_image(project, "cover", uploads.store_image(png_file(), approved_user))
    uploads.replace_image(project, "cover", None)
    assert asset_count() == 0 and stored() == [] and project.cover_asset_id is None


def test_deleting_a_project_releases_its_cover(app, approved_user, make, stored):
    project = make.project(approved_user)
    uploads.replace_image(project, "cover", uploads.store_image(png_file(), approved_user))
    db.session.delete(project)
    db.session.commit()
    assert asset_count() == 1  # orphaned in the same transaction, deleted after it
    assert db.session.query(Asset).one().orphaned_at is not None
    uploads.destroy_released()
    assert asset_count() == 0 and stored() == []


def test_creating_a_project_with_a_cover_attaches_it(app, approved_user, make):
    asset = uploads.store_image(png_file(), approved_user)
    make.project(approved_user, cover=asset)
    assert db.session.get(Asset, asset.id).orphaned_at is None


def test_changing_the_foreign_key_directly_releases_the_old_image_at_the_end_of_the_request(
    app, approved_user, make, stored
):
    project = make.project(approved_user)
    old = uploads.store_image(png_file("red"), approved_user)
    uploads.replace_image(project, "cover", old)
    old_id, old_token = old.id, old.key.split(".")[0]
    new = uploads.store_image(png_file("blue"), approved_user)
    project.cover_asset_id = new.id  # as a generic form or the back office would
    db.session.commit()
    assert db.session.get(Asset, old_id).orphaned_at is not None and new.orphaned_at is None
    with app.test_request_context():
        app.process_response(app.response_class())  # the after-request hook deletes released files
    assert db.session.get(Asset, old_id) is None
    assert not any(name.startswith(old_token) for name in stored())


def test_rolled_back_change_releases_nothing(app, approved_user, make, stored):
    project = make.project(approved_user)
    asset = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(project, "cover", asset)
    uploads.set_image(project, "cover", None)
    db.session.flush()
    db.session.rollback()
    assert uploads.destroy_released() == []
    assert db.session.get(Asset, asset.id).orphaned_at is None and len(stored()) >= 1


def test_release_deletes_an_unattached_upload(app, approved_user, stored):
    uploads.release(uploads.store_image(png_file(), approved_user))
    assert asset_count() == 0 and stored() == []


def test_release_refuses_an_asset_in_use(app, approved_user, make):
    project = make.project(approved_user)
    asset = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(project, "cover", asset)
    with pytest.raises(Conflict):
        uploads.release(asset)
    assert project.cover == asset


def test_set_image_refuses_a_field_that_is_not_an_image(app, approved_user, make):
    with pytest.raises(ValueError, match="not an image field"):
        uploads.set_image(make.project(approved_user), "owner", None)


def test_chosen_image_accepts_only_the_users_own_unattached_upload(app, approved_user, make):
    other = make.user()
    mine = uploads.store_image(png_file(), approved_user)
    theirs = uploads.store_image(png_file(), other)
    attached = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(make.project(approved_user), "cover", attached)

    def choose(value):
        return uploads.chosen_image(MultiDict({"cover": value}), MultiDict(), "cover", approved_user)

    assert choose(str(mine.id)) == mine
    assert choose("") is None
    for refused in (str(theirs.id), str(attached.id), "999999", "abc", "9" * 30, "-1"):
        with pytest.raises(uploads.UploadError, match="no longer available"):
            choose(refused)


def test_chosen_image_keeps_the_current_image_when_the_form_has_no_field(app, approved_user, make):
    current = uploads.store_image(png_file(), approved_user)
    assert uploads.chosen_image(MultiDict(), MultiDict(), "cover", approved_user, current=current) == current
    assert (
        uploads.chosen_image(
            MultiDict({"cover": str(current.id), "cover_remove": "1"}),
            MultiDict(),
            "cover",
            approved_user,
            current=current,
        )
        is None
    )


def test_thumbnail_urls_name_each_size(app, approved_user, storage_kind):
    asset = uploads.store_image(png_file(), approved_user)
    assert uploads.thumbnail_url(asset, None) == asset.url
    assert uploads.thumbnail_url(None) is None
    thumb = uploads.thumbnail_url(asset, "thumb")
    if storage_kind == "local":
        assert thumb == f"/uploads/files/{asset.key.split('.')[0]}.thumb.png"
    else:
        assert "/image/upload/c_fill,g_auto,h_96,q_auto,w_96/" in thumb and thumb.endswith(f"{asset.key}.png")
    with pytest.raises(ValueError, match="unknown thumbnail size"):
        uploads.thumbnail_url(asset, "huge")


def test_purge_deletes_old_orphans_and_keeps_fresh_uploads(app, approved_user, stored):
    old = uploads.store_image(png_file("red"), approved_user)
    fresh = uploads.store_image(png_file("blue"), approved_user)
    old.orphaned_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    report = uploads.purge_orphans(older_than=timedelta(hours=1))
    assert (report.deleted, report.failed) == (1, 0)
    assert db.session.query(Asset.id).all() == [(fresh.id,)]


def test_purge_orphans_assets_left_unreferenced_by_bulk_deletes(app, approved_user, make, stored):
    project = make.project(approved_user)
    uploads.replace_image(project, "cover", uploads.store_image(png_file(), approved_user))
    db.session.execute(delete(Project))  # bypasses the ORM, like a database cascade
    db.session.commit()
    first = uploads.purge_orphans(older_than=timedelta(hours=1))
    assert (first.marked, first.deleted) == (1, 0)
    second = uploads.purge_orphans(older_than=timedelta(0))
    assert second.deleted == 1 and asset_count() == 0 and stored() == []


def test_purge_restores_an_orphan_that_is_referenced(app, approved_user, make):
    project = make.project(approved_user)
    asset = uploads.store_image(png_file(), approved_user)
    project.cover_asset_id = asset.id
    db.session.execute(Asset.__table__.update().values(orphaned_at=utcnow()))  # out of step on purpose
    db.session.commit()
    report = uploads.purge_orphans(older_than=timedelta(0))
    assert (report.restored, report.deleted) == (1, 0)
    assert db.session.get(Asset, asset.id).orphaned_at is None


@pytest.mark.parametrize("storage_kind", ["local"])  # the Cloudinary case is in test_uploads_cloudinary.py
def test_failed_local_delete_is_logged_and_retried_by_the_purge(app, approved_user, make, storage_kind, caplog, runner):
    project = make.project(approved_user)
    asset = uploads.store_image(png_file(), approved_user)
    uploads.replace_image(project, "cover", asset)
    # A directory where a thumbnail should be: unlink really fails (permissions would not stop root).
    blocker = os.path.join(app.config["UPLOAD_FOLDER"], asset.key.split(".")[0] + ".thumb.png")
    os.unlink(blocker)
    os.mkdir(blocker)
    with caplog.at_level(logging.WARNING, logger="webapp.services.uploads"):
        uploads.replace_image(project, "cover", None)
    assert "purge-orphan-assets will retry" in caplog.text
    assert db.session.get(Asset, asset.id).orphaned_at is not None and project.cover_asset_id is None
    os.rmdir(blocker)
    result = runner.invoke(args=["purge-orphan-assets", "--older-than", "0"])
    assert result.exit_code == 0 and "1 orphaned image(s) deleted" in result.output
    assert asset_count() == 0
