"""The real cloudinary SDK against the local stand-in: signed uploads, destroys, and every way they fail."""

import io
import logging
from datetime import timedelta

import cloudinary
import pytest
import requests
from werkzeug.datastructures import FileStorage

from tests.conftest import app_overrides
from tests.fakes.cloudinary import FakeCloudinary
from tests.uploads_support import asset_count, cloud, image_bytes, upload  # noqa: F401  (fixtures)
from webapp import create_app
from webapp.config import ConfigError
from webapp.extensions import db
from webapp.models import Asset
from webapp.uploads import service as uploads

UNAVAILABLE = "the image service is not answering"


@pytest.fixture
def cloudinary_url(cloud):
    """The CLOUDINARY_URL this test's app uses (tests may swap in a broken one)."""
    return {"url": cloud.cloudinary_url()}


@pytest.fixture
def app_config(app_config, cloudinary_url):
    """The app's settings, aimed at the fake Cloudinary."""
    app_config["CLOUDINARY_URL"] = cloudinary_url["url"]
    return app_config


def png_file(color="teal"):
    return FileStorage(io.BytesIO(image_bytes(color=color)), "photo.png", content_type="image/png")


def test_upload_is_signed_into_the_environment_folder_and_recorded(client, cloud, approved_user, sign_in):
    sign_in.as_user(approved_user)
    response = upload(client, image_bytes(size=(64, 48)), htmx=True)
    assert response.status_code == 200
    asset = db.session.query(Asset).one()
    record = cloud.uploads[asset.key]
    assert record.params["folder"] == "hyperdesk/testing" and asset.key.startswith("hyperdesk/testing/")
    assert record.params["allowed_formats"] == "gif,jpg,png,webp"
    assert (asset.storage, asset.url, asset.width, asset.height, asset.bytes) == (
        "cloudinary",
        record.response["secure_url"],
        64,
        48,
        len(record.bytes),
    )
    assert f'value="{asset.id}"' in response.get_data(as_text=True)


def test_thumbnail_url_is_a_transformation_the_service_delivers(app, cloud, approved_user):
    asset = uploads.store_image(png_file(), approved_user)
    served = requests.get(uploads.thumbnail_url(asset, "card"), timeout=5)
    assert (served.status_code, served.headers["Content-Type"]) == (200, "image/png")
    assert len(cloud.uploads) == 1  # no second upload for the thumbnail


@pytest.fixture
def wrong_secret(cloud, cloudinary_url):
    """CLOUDINARY_URL with an API secret the service does not know."""
    cloudinary_url["url"] = cloud.cloudinary_url().replace(":fake-secret@", ":not-the-secret@")


@pytest.mark.usefixtures("wrong_secret")
def test_wrong_secret_refuses_the_upload_with_a_message_and_no_row(client, cloud, approved_user, sign_in, caplog):
    sign_in.as_user(approved_user)
    with caplog.at_level(logging.ERROR, logger="webapp.services.uploads"):
        response = upload(client, image_bytes())
    assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    assert "Invalid Signature" in caplog.text
    assert asset_count() == 0 and cloud.uploads == {}


def test_server_error_refuses_the_upload_in_place(client, cloud, approved_user, sign_in):
    sign_in.as_user(approved_user)
    cloud.fail_next(500)
    response = upload(client, image_bytes(), htmx=True)
    assert response.status_code == 422  # answered in place, in the field
    assert UNAVAILABLE in response.get_data(as_text=True) and 'class="field-error"' in response.get_data(as_text=True)
    assert asset_count() == 0 and cloud.uploads == {}


def test_unreachable_service_refuses_the_upload(client, cloud, approved_user, sign_in):
    sign_in.as_user(approved_user)
    cloud.stop()
    response = upload(client, image_bytes())
    assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    assert asset_count() == 0


def test_replaced_image_is_destroyed_in_cloudinary(app, cloud, approved_user, make):
    project = make.project(approved_user)
    old = uploads.store_image(png_file("red"), approved_user)
    uploads.replace_image(project, "cover", old)
    old_key = old.key
    uploads.replace_image(project, "cover", uploads.store_image(png_file("blue"), approved_user))
    assert cloud.destroyed == [old_key] and asset_count() == 1


def test_failed_destroy_keeps_the_orphan_until_the_purge_succeeds(app, cloud, approved_user, make, runner, caplog):
    project = make.project(approved_user)
    old = uploads.store_image(png_file("red"), approved_user)
    uploads.replace_image(project, "cover", old)
    old_id, old_key = old.id, old.key
    cloud.fail_next(500)
    with caplog.at_level(logging.WARNING, logger="webapp.services.uploads"):
        uploads.replace_image(project, "cover", None)
    assert "Injected failure" in caplog.text and "purge-orphan-assets will retry" in caplog.text
    assert project.cover_asset_id is None  # the project never points at the doomed image
    assert db.session.get(Asset, old_id).orphaned_at is not None and old_key in cloud.uploads

    cloud.fail_next(503)
    failed = runner.invoke(args=["purge-orphan-assets", "--older-than", "0"])
    assert failed.exit_code == 1 and "1 could not be deleted" in failed.output
    retried = runner.invoke(args=["purge-orphan-assets", "--older-than", "0"])
    assert retried.exit_code == 0 and "1 orphaned image(s) deleted" in retried.output
    assert cloud.destroyed == [old_key] and asset_count() == 0


def test_each_app_uses_its_own_cloudinary_account(app, cloud, approved_user, database_url, tmp_path):
    before = dict(vars(cloudinary.config()))
    with FakeCloudinary(cloud_name="second", api_key="999", api_secret="other") as second:
        other_app = create_app(
            app_overrides(database_url, CLOUDINARY_URL=second.cloudinary_url(), UPLOAD_FOLDER=str(tmp_path))
        )
        with other_app.app_context():
            uploads.store_image(png_file(), None)
            db.session.remove()
            db.engine.dispose()
        uploads.store_image(png_file(), approved_user)
        assert len(second.uploads) == 1 and len(cloud.uploads) == 1
    assert dict(vars(cloudinary.config())) == before  # the SDK's global configuration is never touched


@pytest.fixture
def staging_folder(app_config):
    """Images go to the folder acme/staging."""
    app_config["CLOUDINARY_FOLDER"] = "acme/staging"


@pytest.mark.usefixtures("staging_folder")
def test_folder_can_be_chosen(app, cloud):
    asset = uploads.store_image(png_file(), None)
    assert asset.key.startswith("acme/staging/") and cloud.uploads[asset.key].params["folder"] == "acme/staging"


def test_malformed_cloudinary_url_stops_the_app(app_config):
    app_config["CLOUDINARY_URL"] = "https://example.com/not-cloudinary"
    with pytest.raises(ConfigError, match="cloudinary://API_KEY:API_SECRET@CLOUD_NAME"):
        create_app(app_config)


def test_a_document_is_stored_raw_and_destroyed_as_raw(app, cloud, approved_user):
    document = FileStorage(io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf", content_type="application/pdf")
    asset = uploads.store_file(document, approved_user, ("pdf",), 1024 * 1024)
    record = cloud.uploads[asset.key]
    assert record.response["resource_type"] == "raw" and record.bytes == b"%PDF-1.4 plan"
    assert (asset.storage, asset.filename, asset.content_type, asset.width) == (
        "cloudinary",
        "plan.pdf",
        "application/pdf",
        0,
    )
    assert uploads.thumbnail_url(asset, "thumb") == asset.url
    assert uploads.purge_orphans(older_than=timedelta(0)).deleted == 1 and asset.key in cloud.destroyed
