"""Parts of a list page rendered once and reused (the blank "New" form, the controls): the same HTML as rendered in place."""

import re

import pytest

HX = {"HX-Request": "true"}


def new_form(html):
    return re.search(r'<div id="projects-new".*?</details>\s*</div>', html, re.S).group(0)


def tokens(html):
    """The CSRF tokens of the page: the one htmx sends, and each form's."""
    return set(re.findall(r'X-CSRFToken": "([^"]+)"', html)) | set(
        re.findall(r'name="csrf_token" value="([^"]+)"', html)
    )


def without_tokens(html):
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


@pytest.fixture
def alice(approved_user, sign_in):
    return sign_in.as_user(approved_user)


def test_reused_form_is_the_form_rendered_in_place(app, client, alice):
    app.jinja_env.auto_reload = True  # the development setting: nothing is kept
    rendered = client.get("/projects/").get_data(as_text=True)
    app.jinja_env.auto_reload = False
    client.get("/projects/")
    reused = client.get("/projects/").get_data(as_text=True)
    assert app.extensions["blank_new_forms"]
    assert without_tokens(new_form(reused)) == without_tokens(new_form(rendered))
    assert 'hx-post="/projects/"' in new_form(reused) and "New project" in new_form(reused)


def test_each_visitor_gets_their_own_csrf_token_in_the_reused_form(app, make, sign_in):
    pages = []
    for email in ("one@example.com", "two@example.com"):
        client = app.test_client()
        sign_in.__class__(client).as_user(make.user(email=email, status="approved"))
        client.get("/projects/")
        pages.append(client.get("/projects/").get_data(as_text=True))
    first, second = (tokens(page) for page in pages)
    assert len(first) == 1 and len(second) == 1 and first != second
    assert "__hyperdesk_csrf_token__" not in pages[0] + pages[1]


def test_refused_form_is_rendered_with_its_values_and_errors(client, alice):
    client.get("/projects/")
    response = client.post("/projects/", data={"name": "", "description": "kept text"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "kept text" in html and "field-error" in html


def test_child_forms_post_to_their_own_parent(client, alice, make):
    first, second = make.project(alice, name="First"), make.project(alice, name="Second")
    for project in (first, second, first):
        html = client.get(f"/projects/{project.id}").get_data(as_text=True)
        assert f'action="/projects/{project.id}/specifications/"' in html


def controls(html):
    return re.search(r'<form class="search-form list-controls".*?</form>', html, re.S).group(0)


@pytest.mark.parametrize("q", ["", "roof", "\"><b>&'x %_", "__hyperdesk_search_text__"])
def test_reused_list_controls_show_the_search_text_escaped(app, client, alice, q):
    asked = {"q": q, "sort": "name"} if q else {"sort": "name"}
    app.jinja_env.auto_reload = True
    rendered = controls(client.get("/projects/", query_string=asked).get_data(as_text=True))
    app.jinja_env.auto_reload = False
    client.get("/projects/", query_string={"q": "warm up", "sort": "name"})
    reused = controls(client.get("/projects/", query_string=asked).get_data(as_text=True))
    assert app.extensions["kept_list_controls"]
    assert reused == rendered
    assert "<b>" not in reused


def test_chosen_filters_are_shown_in_the_controls(client, alice):
    client.get("/projects/")
    html = controls(client.get("/projects/?status=active&due_date_from=2026-01-02").get_data(as_text=True))
    assert '<option value="active" selected>' in html and 'value="2026-01-02"' in html


def test_page_head_carries_this_responses_nonce_on_every_script(client, alice):
    nonces = []
    for _ in range(2):
        response = client.get("/projects/")
        html = response.get_data(as_text=True)
        header_nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        scripts = re.findall(r'<script src="/static/[^"]+" nonce="([^"]+)" defer>', html)
        assert len(scripts) == 5 and set(scripts) == {header_nonce}
        assert '<link rel="stylesheet" href="/static/css/app.css">' in html
        nonces.append(header_nonce)
    assert nonces[0] != nonces[1]
