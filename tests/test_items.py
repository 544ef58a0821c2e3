"""The project page's specifications and the specification page's bullet items: add, edit, delete, reorder."""

import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import BulletItem, Specification

HX = {"HX-Request": "true"}


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in."""
    return sign_in.as_user(approved_user)


@pytest.fixture
def spec(alice, make):
    """Alice's specification with three items: one, two, three."""
    specification = make.specification(make.project(alice, name="House"), title="Kitchen")
    make.bullet_items(specification, "one", "two", "three")
    return specification


def texts(spec_id):
    """The items' texts in position order, straight from the database."""
    return list(
        db.session.scalars(
            select(BulletItem.text).where(BulletItem.specification_id == spec_id).order_by(BulletItem.position)
        )
    )


def positions(spec_id):
    return list(
        db.session.scalars(
            select(BulletItem.position).where(BulletItem.specification_id == spec_id).order_by(BulletItem.position)
        )
    )


def shown(html):
    return re.findall(r'class="item-text"[^>]*>([^<]*)</a>', html)


def test_project_page_lists_its_specifications_and_the_share_panel(client, alice, make):
    project = make.project(alice, name="House")
    make.specification(project, title="Kitchen")
    make.specification(project, title="Garden")
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<html" in html and "<h1>House</h1>" in html
    assert html.index(">Garden<") < html.index(">Kitchen<")
    assert 'id="share-panel"' in html and 'id="specifications-new"' in html


@pytest.mark.parametrize("count", [2, 40])
def test_project_page_costs_three_statements_whatever_the_specifications(client, alice, make, count_queries, count):
    project = make.project(alice)
    for _ in range(count):
        make.specification(project)
    url = f"/projects/{project.id}"
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count <= 3, counter.statements


@pytest.mark.parametrize("count", [2, 40])
def test_specification_page_costs_three_statements_whatever_the_items(client, alice, make, count_queries, count):
    specification = make.specification(make.project(alice))
    make.bullet_items(specification, *[f"item {n}" for n in range(count)])
    url = f"/specifications/{specification.id}"
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200 and len(shown(response.get_data(as_text=True))) == count
    assert counter.count <= 3, counter.statements


def test_specification_page_shows_items_in_order_with_breadcrumbs(client, spec):
    html = client.get(f"/specifications/{spec.id}").get_data(as_text=True)
    assert shown(html) == ["one", "two", "three"]
    assert '<a href="/projects/">Projects</a>' in html and f'<a href="/projects/{spec.project_id}">House</a>' in html


def test_specification_is_added_inline_under_its_project(client, alice, make):
    project = make.project(alice)
    response = client.post(
        f"/projects/{project.id}/specifications/", data={"title": "Roof", "body": "Tiles"}, headers=HX
    )
    html = response.get_data(as_text=True)
    specification = db.session.scalar(select(Specification))
    assert response.status_code == 200 and "<html" not in html
    assert (specification.project_id, specification.title) == (project.id, "Roof")
    assert 'hx-swap-oob="afterbegin:#specifications-rows"' in html


def test_specification_without_a_title_is_422_in_place(client, alice, make):
    project = make.project(alice)
    response = client.post(f"/projects/{project.id}/specifications/", data={"title": "", "body": "Tiles"}, headers=HX)
    assert response.status_code == 422 and "Title is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(Specification)) is None


def test_specification_created_without_htmx_returns_to_the_project_page(client, alice, make):
    project = make.project(alice)
    response = client.post(f"/projects/{project.id}/specifications/", data={"title": "Roof"})
    assert response.status_code == 303 and response.headers["Location"] == f"/projects/{project.id}"


def test_added_item_goes_last_and_the_input_is_ready_for_the_next(client, spec):
    response = client.post(f"/specifications/{spec.id}/items/", data={"text": "four"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert texts(spec.id) == ["one", "two", "three", "four"] and positions(spec.id) == [0, 1, 2, 3]
    assert re.search(r'<input type="text" id="items-new-text" name="text" value=""[^>]*autofocus', html)
    assert 'hx-swap-oob="beforeend:#items-rows"' in html and ">four</a>" in html


def test_added_item_without_htmx_redirects_to_the_specification(client, spec):
    response = client.post(f"/specifications/{spec.id}/items/", data={"text": "four"})
    assert response.status_code == 303 and response.headers["Location"] == f"/specifications/{spec.id}"


NEW_ITEM_INPUT = r'<input type="text" id="items-new-text" name="text" value=""[^>]*'


def test_page_after_an_item_added_without_htmx_has_the_input_focused_once(client, spec):
    client.post(f"/specifications/{spec.id}/items/", data={"text": "four"})
    first = client.get(f"/specifications/{spec.id}").get_data(as_text=True)
    again = client.get(f"/specifications/{spec.id}").get_data(as_text=True)
    assert texts(spec.id) == ["one", "two", "three", "four"]
    assert "autofocus" in re.search(NEW_ITEM_INPUT, first).group(0)
    assert "autofocus" not in re.search(NEW_ITEM_INPUT, again).group(0)


def test_specification_form_reopens_focused_on_the_project_page_after_one_is_added_without_htmx(client, alice, make):
    project = make.project(alice)
    unfocused = client.get(f"/projects/{project.id}").get_data(as_text=True)
    client.post(f"/projects/{project.id}/specifications/", data={"title": "Roof"})
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert re.search(r'<div id="specifications-new" class="record-new">\s*<details open>', html)
    assert re.search(r'id="specifications-new-title"[^>]*autofocus', html)
    assert not re.search(r'id="specifications-new-title"[^>]*autofocus', unfocused)


def test_a_list_page_focuses_only_the_form_a_row_was_added_to(client, alice, make):
    project = make.project(alice)
    client.post("/projects/", data={"name": "Loft", "status": "active"})
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert not re.search(r'id="specifications-new-title"[^>]*autofocus', html)
    assert re.search(r'id="projects-new-name"[^>]*autofocus', client.get("/projects/").get_data(as_text=True))


def test_empty_item_is_422_and_adds_nothing(client, spec):
    response = client.post(f"/specifications/{spec.id}/items/", data={"text": "   "}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Item is required." in html and 'aria-invalid="true"' in html
    assert texts(spec.id) == ["one", "two", "three"]


def test_item_text_is_edited_in_place(client, spec):
    item = spec.items[1]
    form = client.get(f"/items/{item.id}/edit", headers=HX).get_data(as_text=True)
    assert 'value="two"' in form and "autofocus" in form and "<html" not in form
    response = client.post(f"/items/{item.id}/edit", data={"text": "TWO"}, headers=HX)
    assert response.status_code == 200 and ">TWO</a>" in response.get_data(as_text=True)
    assert texts(spec.id) == ["one", "TWO", "three"]


def test_cancelling_an_edit_answers_the_row(client, spec):
    html = client.get(f"/items/{spec.items[0].id}", headers=HX).get_data(as_text=True)
    assert "<html" not in html and f'<li id="items-{spec.items[0].id}" class="record record-item">' in html


def test_deleting_an_item_closes_the_gap(client, spec):
    response = client.post(f"/items/{spec.items[0].id}/delete", headers=HX)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert texts(spec.id) == ["two", "three"] and positions(spec.id) == [0, 1]


@pytest.mark.parametrize(
    "index, direction, expected",
    [
        (0, "down", ["two", "one", "three"]),
        (2, "up", ["one", "three", "two"]),
        (0, "up", ["one", "two", "three"]),
        (2, "down", ["one", "two", "three"]),
    ],
)
def test_move_swaps_with_the_neighbour_in_one_request(client, spec, index, direction, expected):
    item_id = spec.items[index].id
    response = client.post(f"/items/{item_id}/move", data={"direction": direction}, headers=HX)
    assert response.status_code == 200
    assert texts(spec.id) == expected and positions(spec.id) == [0, 1, 2]
    assert shown(response.get_data(as_text=True)) == expected


def test_moved_item_keeps_the_keyboard_focus_on_its_button(client, spec):
    two = spec.items[1].id
    html = client.post(f"/items/{two}/move", data={"direction": "up"}, headers=HX).get_data(as_text=True)
    row = html[html.index(f'id="items-{two}"') :]
    row = row[: row.index("</li>")]
    assert re.search(r'value="down"[^>]*data-focus', row), "at the top, focus moves to the other button"


def test_move_without_htmx_redirects_back_to_the_item(client, spec):
    one = spec.items[0].id
    response = client.post(f"/items/{one}/move", data={"direction": "down"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/specifications/{spec.id}#items-{one}"


def test_move_in_an_unknown_direction_is_a_bad_request(client, spec):
    assert client.post(f"/items/{spec.items[0].id}/move", data={"direction": "sideways"}).status_code == 400


def test_dragged_order_is_saved_in_one_request(client, spec):
    one, two, three = (item.id for item in spec.items)
    response = client.post(f"/specifications/{spec.id}/items/order", data={"ids": [three, one, two]}, headers=HX)
    assert response.status_code == 200 and shown(response.get_data(as_text=True)) == ["three", "one", "two"]
    assert texts(spec.id) == ["three", "one", "two"] and positions(spec.id) == [0, 1, 2]


def test_order_ignores_ids_of_other_specifications_and_keeps_unmentioned_items(client, alice, spec, make):
    other = make.specification(make.project(alice))
    foreign = make.bullet_items(other, "foreign")[0]
    one, two, three = (item.id for item in spec.items)
    client.post(f"/specifications/{spec.id}/items/order", data={"ids": [foreign.id, three, two]}, headers=HX)
    assert texts(spec.id) == ["three", "two", "one"] and texts(other.id) == ["foreign"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/specifications/{spec}"),
        ("POST", "/specifications/{spec}/edit"),
        ("POST", "/specifications/{spec}/delete"),
        ("POST", "/specifications/{spec}/items/"),
        ("POST", "/specifications/{spec}/items/order"),
        ("GET", "/items/{item}"),
        ("POST", "/items/{item}/edit"),
        ("POST", "/items/{item}/move"),
        ("POST", "/items/{item}/delete"),
    ],
)
def test_someone_elses_specifications_and_items_are_not_found(client, alice, make, method, path):
    theirs = make.specification(make.project(make.user()))
    item = make.bullet_items(theirs, "theirs", "also theirs")[0]
    data = {"title": "x", "text": "mine", "direction": "down", "ids": [item.id]}
    response = client.open(path.format(spec=theirs.id, item=item.id), method=method, data=data, headers=HX)
    assert response.status_code == 404
    assert texts(theirs.id) == ["theirs", "also theirs"]
