"""A field's own FieldError message reaches the person; any other error while reading a value does not.

A ValueError from a library or a bug inside a field speaks in its own words: the pages, the
API and the site settings form show a generic message for that field instead, store nothing
and log a warning naming the field, so the operator can find the bug.
"""

import logging
import re

import pytest
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.declared import app_declaring
from tests.typed_models import customer, typed  # noqa: F401
from webapp.exceptions import UNREADABLE, FieldError
from webapp.extensions import db
from webapp.models import SiteSetting, User
from webapp.resources import Column, Resource, TextField
from webapp.services import site_settings

HX = {"HX-Request": "true"}
INTERNAL = "frobnicate() arg 2: bad checksum 0x1f in libgadget internals"


class GadgetBase(DeclarativeBase):
    """Metadata of its own: the app's schema and the migrations check never see this table."""


class Gadget(GadgetBase):
    __tablename__ = "test_gadget"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey(User.__table__.c.id, ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    serial: Mapped[str] = mapped_column(String(100), default="")


class SerialField(TextField):
    """A custom field converting its value with a "library" that fails in its own words on some values."""

    def stored(self, data):
        if data == "broken":
            raise ValueError(INTERNAL)
        if data == "mistyped":
            raise TypeError(INTERNAL)
        if data == "wrong":
            raise FieldError("Serial: a serial starts with S, for example S-123.")
        return data

    def form_values(self, json_value):
        if isinstance(json_value, int):
            raise ValueError(INTERNAL)  # the API's JSON → form step failing the same way
        return super().form_values(json_value)


GADGETS = Resource(
    model=Gadget,
    name="gadgets",
    singular="gadget",
    plural="gadgets",
    title="name",
    owner="owner_id",
    fields=[TextField("name", "Name", required=True, max_length=100), SerialField("serial", "Serial", max_length=100)],
    columns=[Column("name", "Name", cell="link")],
)


@pytest.fixture
def app(app_config, monkeypatch):
    """The application serving gadgets too, pages and API, with their table made for this test only."""
    with app_declaring(app_config, monkeypatch, [GADGETS], GadgetBase.metadata) as gadget_app:
        yield gadget_app


@pytest.fixture
def alice(approved_user, sign_in):
    return sign_in.as_user(approved_user)


def warnings_naming(caplog, text):
    """The WARNING records whose message names ``text``."""
    return [r for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


@pytest.mark.parametrize("value, kind", [("broken", "ValueError"), ("mistyped", "TypeError")])
def test_a_field_failing_in_a_librarys_words_shows_a_generic_message_on_the_pages(client, alice, caplog, value, kind):
    caplog.set_level(logging.WARNING, logger="webapp.resources.fields")
    response = client.post("/gadgets/", data={"name": "Lamp", "serial": value}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert UNREADABLE in html and INTERNAL not in html and "frobnicate" not in html
    assert db.session.scalars(select(Gadget)).all() == []
    [record] = warnings_naming(caplog, "'serial'")
    assert kind in record.getMessage() and INTERNAL in record.getMessage() and "gadgets" in record.getMessage()
    # Where the field failed, for the operator to find the bug: the frame and its source line.
    assert re.search(
        r'test_field_errors\.py", line \d+, in stored\n +raise (Value|Type)Error\(INTERNAL\)', record.getMessage()
    )


def test_a_field_error_still_shows_its_own_message_on_the_pages(client, alice, caplog):
    response = client.post("/gadgets/", data={"name": "Lamp", "serial": "wrong"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "a serial starts with S" in html and UNREADABLE not in html
    assert warnings_naming(caplog, "'serial'") == []
    assert client.post("/gadgets/", data={"name": "Lamp", "serial": "S-1"}).status_code == 303


@pytest.mark.parametrize("value", ["broken", 7])  # read by clean, or already refused by form_values
def test_a_field_failing_in_a_librarys_words_shows_a_generic_message_in_the_api(api, approved_user, caplog, value):
    response = api(approved_user).post("/api/v1/gadgets", json={"name": "Lamp", "serial": value})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"serial": [UNREADABLE]}
    assert "frobnicate" not in response.get_data(as_text=True)
    assert db.session.scalars(select(Gadget)).all() == []
    assert len(warnings_naming(caplog, "'serial'")) == 1


def test_a_field_error_still_shows_its_own_message_in_the_api(api, approved_user):
    caller = api(approved_user)
    response = caller.post("/api/v1/gadgets", json={"name": "", "serial": "wrong"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "name": ["Name is required."],
        "serial": ["Serial: a serial starts with S, for example S-123."],
    }


def test_a_site_setting_failing_in_a_librarys_words_shows_a_generic_message(
    client, sign_in, admin, monkeypatch, caplog
):
    checked = site_settings.Setting._clean_number

    def failing(setting, value):
        if value == "13":
            raise ValueError(INTERNAL)
        return checked(setting, value)

    monkeypatch.setattr(site_settings.Setting, "_clean_number", failing)
    sign_in.as_user(admin)
    form = {"registration_mode": "approval", "reason_required": "1", "reason_min_length": "13"}
    form |= {"rejection_cooldown_days": "7", "reminder_after_hours": "24", "site_name": "Changed"}
    response = client.post("/admin/site/", data={**form, "announcement_level": "info"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert UNREADABLE in html and "frobnicate" not in html
    assert db.session.scalars(select(SiteSetting)).all() == []
    assert len(warnings_naming(caplog, "'reason_min_length'")) == 1


def test_a_relation_named_with_a_nul_is_refused_in_the_fields_words_not_the_databases(client, typed, alice):
    customer(alice, "Acme")
    data = {"title": "Roof", "stage": "open", "client": "Acme\x00"}
    response = client.post("/jobs/", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Client contains invisible control characters" in html and "string literal" not in html
