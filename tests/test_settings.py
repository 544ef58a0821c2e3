"""The settings page: page size and theme per user, used on every page, with a reset to the defaults."""

import re

import pytest

from webapp.extensions import db
from webapp.models import User
from webapp.services import settings

HX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


def stored(user_id):
    return db.session.get(User, user_id).settings


def test_page_shows_the_defaults_for_a_new_user(client, alice):
    html = client.get("/settings/").get_data(as_text=True)
    assert "<html" in html
    assert 'value="25" checked' in html and 'value="system" checked' in html


def test_saving_stores_page_size_and_theme_and_keeps_other_settings(client, alice):
    alice.settings = {"unrelated": "kept"}
    db.session.commit()
    response = client.post("/settings/", data={"page_size": "50", "theme": "dark"})
    assert response.status_code == 303 and response.headers["Location"] == "/settings/"
    assert stored(alice.id) == {"unrelated": "kept", "page_size": 50, "theme": "dark"}
    assert "Settings saved." in client.get("/settings/").get_data(as_text=True)


def test_saved_theme_applies_to_every_page(client, alice):
    client.post("/settings/", data={"page_size": "25", "theme": "dark"})
    for path in ("/", "/projects/", "/settings/"):
        assert '<html lang="en" data-theme="dark">' in client.get(path).get_data(as_text=True), path


def test_saved_page_size_applies_to_lists(client, alice, make):
    for _ in range(12):
        make.project(alice)
    client.post("/settings/", data={"page_size": "10", "theme": "system"})
    html = client.get("/projects/").get_data(as_text=True)
    assert len(re.findall(r'<li id="projects-\d+"', html)) == 10 and "Load more projects" in html


def test_saving_from_a_boosted_form_reloads_the_page_so_the_theme_changes(client, alice):
    response = client.post("/settings/", data={"page_size": "25", "theme": "light"}, headers=BOOSTED)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/settings/"


@pytest.mark.parametrize(
    "page_size, theme, message",
    [("7", "dark", "Choose 10, 25, 50 or 100 rows."), ("25", "neon", "Choose system, light or dark.")],
)
def test_values_outside_the_choices_are_422_and_store_nothing(client, alice, page_size, theme, message):
    response = client.post("/settings/", data={"page_size": page_size, "theme": theme}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and message in html
    assert stored(alice.id) == {}


def test_invalid_values_without_htmx_get_the_full_page(client, alice):
    response = client.post("/settings/", data={"page_size": "abc", "theme": "dark"})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


def test_reset_forgets_page_size_and_theme_only(client, alice):
    alice.settings = {"page_size": 100, "theme": "dark", "unrelated": "kept"}
    db.session.commit()
    response = client.post("/settings/reset")
    assert response.status_code == 303
    assert stored(alice.id) == {"unrelated": "kept"}
    assert 'data-theme="system"' in client.get("/settings/").get_data(as_text=True)


def test_preferences_ignore_stored_values_that_are_no_longer_offered(make):
    user = make.user(settings={"page_size": 7, "theme": "neon"})
    assert settings.preferences(user) == settings.DEFAULTS


def test_time_zone_is_saved_in_its_own_section(client, alice):
    response = client.post("/settings/time-zone", data={"time_zone": "Europe/Paris"})
    assert response.status_code == 303 and stored(alice.id)["time_zone"] == "Europe/Paris"
    assert '<option value="Europe/Paris" selected>' in client.get("/settings/").get_data(as_text=True)


@pytest.mark.parametrize("headers, page", [({}, True), (HX, False)])
def test_an_unknown_time_zone_is_refused_and_nothing_is_stored(client, alice, headers, page):
    response = client.post("/settings/time-zone", data={"time_zone": "Mars/Olympus"}, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose a time zone from the list" in html
    assert ("<html" in html) == page and "time_zone" not in stored(alice.id)


def test_reset_forgets_the_time_zone(client, alice):
    settings.set_time_zone(alice, "Asia/Tokyo")
    client.post("/settings/reset")
    assert settings.preferences(db.session.get(User, alice.id))["time_zone"] == "UTC"


def test_the_home_pages_card_names_what_the_settings_page_holds(client, alice):
    home = client.get("/").get_data(as_text=True)
    card = re.search(r'<a class="card" href="/settings/">.*?</a>', home, re.S).group(0)
    page = client.get("/settings/").get_data(as_text=True)
    for part, heading in [
        ("time zone", "Time zone"),
        ("signed in", "Where you are signed in"),
        ("API keys", "API keys"),
    ]:
        assert part in card and heading in page
