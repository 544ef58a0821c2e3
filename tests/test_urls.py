"""Row URLs built once per request (webapp/urls.py) are exactly what url_for builds."""

import pytest
from flask import url_for
from markupsafe import escape

from webapp.urls import PLACEHOLDER_ID, escaped_record_url_maker, url_for_record


@pytest.mark.parametrize(
    "endpoint, id_arg, params",
    [
        ("projects.show", "record_id", {}),
        ("projects.edit", "record_id", {"next": "/projects/?q=a b&after=17"}),
        # An id in the query string (Flask-Admin's way), before a return URL holding digits.
        ("admin_project.edit_view", "id", {"url": f"/admin/projects/?page=2&x={PLACEHOLDER_ID}"}),
    ],
)
def test_same_as_url_for_for_every_row(app, endpoint, id_arg, params):
    with app.test_request_context("/"):
        for record_id in (1, 42, 1234567, "99"):
            assert url_for_record(endpoint, id_arg, record_id, **params) == url_for(
                endpoint, **{id_arg: record_id}, **params
            )


def test_other_ids_and_unhashable_values_are_built_the_ordinary_way(app):
    with app.test_request_context("/"):
        assert url_for_record("admin_project.edit_view", "id", "a/b c", url="/x") == url_for(
            "admin_project.edit_view", id="a/b c", url="/x"
        )
        listed = {"tag": ["a", "b"]}
        assert url_for_record("admin_project.edit_view", "id", 5, **listed) == url_for(
            "admin_project.edit_view", id=5, **listed
        )


def test_patterns_do_not_outlive_the_request(app):
    with app.test_request_context("/", base_url="http://localhost/one"):
        first = url_for_record("projects.show", "record_id", 7)
    with app.test_request_context("/", base_url="http://localhost/two"):
        second = url_for_record("projects.show", "record_id", 7)
    assert (first, second) == ("/one/projects/7", "/two/projects/7")


@pytest.mark.parametrize("params", [{}, {"next": "/projects/?q=\"<b>&'x&after=17"}])
def test_escaped_row_urls_are_url_for_escaped(app, params):
    with app.test_request_context("/"):
        maker = escaped_record_url_maker("projects.edit", "record_id", **params)
        for record_id in (1, 42, "99"):
            assert maker(record_id) == str(escape(url_for("projects.edit", record_id=record_id, **params)))


def test_a_routes_text_is_built_once_per_url_root_and_arguments(app, monkeypatch):
    from webapp import urls

    built = []
    monkeypatch.setattr(
        urls, "url_for", lambda endpoint, **values: built.append(endpoint) or url_for(endpoint, **values)
    )
    seen = []
    for root in ("/one", "/two", "/one", "/two"):
        with app.test_request_context("/", base_url=f"http://localhost{root}"):
            seen.append(escaped_record_url_maker("projects.show", "record_id")(7))
    assert seen == ["/one/projects/7", "/two/projects/7"] * 2
    assert built == ["projects.show", "projects.show"]  # then kept, for every later page


def test_at_most_routes_kept_are_kept(app, monkeypatch):
    from webapp import urls

    monkeypatch.setattr(urls, "ROUTES_KEPT", 3)
    with app.test_request_context("/"):
        for n in range(10):
            assert urls.record_url_maker("projects.edit", "record_id", next=f"/p/{n}")(5) == url_for(
                "projects.edit", record_id=5, next=f"/p/{n}"
            )
            assert len(app.extensions["record_url_routes"]) <= 3
