"""Projects, specifications, bullet items and assets in the back office: list, find, export, create, edit, delete."""

import json

import pytest

from webapp.extensions import db
from webapp.models import Asset, BulletItem, Project, Specification

PIXEL = "https://images.example.com/pixel.png"


@pytest.fixture
def office(client, sign_in, admin):
    """A client signed in as the administrator."""
    sign_in.as_user(admin)
    return client


@pytest.fixture
def records(make, admin, approved_user):
    """Two projects of different owners, one with a specification, items and a cover."""
    cover = Asset(
        owner=approved_user,
        storage="local",
        key="covers/boat.png",
        url=PIXEL,
        content_type="image/png",
        bytes=68,
        width=1,
        height=1,
    )
    db.session.add(cover)
    boat = make.project(approved_user, name="Boat refit", status="active", cover=cover)
    barn = make.project(admin, name="Barn roof", status="draft")
    spec = make.specification(boat, title="Hull survey")
    items = make.bullet_items(spec, "Check the keel", "Sand the deck")
    return {"boat": boat, "barn": barn, "spec": spec, "items": items, "cover": cover}


def table(response):
    """The list table's HTML (so menus and filters do not count as matches)."""
    html = response.get_data(as_text=True)
    return html[html.index("model-list") :]


def test_project_list_shows_owner_status_and_cover_thumbnail(office, records):
    html = table(office.get("/admin/projects/"))
    assert "Boat refit" in html and "alice@example.com" in html and "badge-success" in html
    assert f'<img class="hd-thumb" src="{PIXEL}"' in html
    assert html.index("Barn roof") < html.index("Boat refit")  # newest first


def test_project_search_by_name(office, records):
    html = table(office.get("/admin/projects/", query_string={"search": "barn"}))
    assert "Barn roof" in html and "Boat refit" not in html


@pytest.mark.parametrize(
    "flt, value", [("flt0_owners_email_equals", "alice@example.com"), ("flt0_status_equals", "active")]
)
def test_project_filters_by_owner_and_status(office, records, flt, value):
    html = table(office.get("/admin/projects/", query_string={flt: value}))
    assert "Boat refit" in html and "Barn roof" not in html


def test_project_filter_by_owner_id_links_from_elsewhere(office, records, approved_user):
    html = table(office.get("/admin/projects/", query_string={"flt0_owner_id_equals": approved_user.id}))
    assert "Boat refit" in html and "Barn roof" not in html


def test_project_sort_by_name(office, records):
    html = table(office.get("/admin/projects/", query_string={"sort": 2}))
    assert html.index("Barn roof") < html.index("Boat refit")


def test_project_export_follows_the_search(office, records):
    body = office.get("/admin/projects/export/csv/", query_string={"search": "boat"}, buffered=True).get_data(
        as_text=True
    )
    assert body.splitlines()[0].startswith("Id,Name,Description,Owner,Status")
    assert "Boat refit" in body and "alice@example.com" in body and "active" in body and "Barn roof" not in body


def test_project_details(office, records):
    html = office.get(f"/admin/projects/details/?id={records['boat'].id}").get_data(as_text=True)
    assert "Boat refit" in html and "History of this record in the audit log" in html


def test_project_create(office, approved_user, records):
    data = {
        "name": "Garden shed",
        "owner": approved_user.id,
        "status": "active",
        "description": "Timber",
        "cover": records["cover"].id,
    }
    response = office.post("/admin/projects/new/", data=data)
    project = db.session.query(Project).filter_by(name="Garden shed").one()
    assert response.status_code == 302
    assert (project.owner_id, project.status, project.cover_asset_id) == (
        approved_user.id,
        "active",
        records["cover"].id,
    )


def test_project_create_without_a_name_shows_the_form_again(office, approved_user):
    response = office.post("/admin/projects/new/", data={"name": "", "owner": approved_user.id, "status": "draft"})
    # The declaration's message, as the projects pages and the API say it.
    assert response.status_code == 200 and "Name is required." in response.get_data(as_text=True)
    assert db.session.query(Project).count() == 0


def test_project_edit_moves_it_to_another_owner(office, admin, records):
    boat = records["boat"]
    data = {"name": "Boat refit 2", "owner": admin.id, "status": "done", "description": boat.description}
    office.post(f"/admin/projects/edit/?id={boat.id}", data=data)
    boat = db.session.get(Project, boat.id)
    assert (boat.name, boat.owner_id, boat.status) == ("Boat refit 2", admin.id, "done")


def test_project_delete_takes_its_specifications_and_items(office, records):
    boat_id = records["boat"].id
    office.post("/admin/projects/delete/", data={"id": boat_id})
    assert db.session.get(Project, boat_id) is None
    assert db.session.query(Specification).count() == 0 and db.session.query(BulletItem).count() == 0


def test_project_batch_delete(office, records):
    office.post("/admin/projects/action/", data={"action": "delete", "rowid": [records["boat"].id, records["barn"].id]})
    assert db.session.query(Project).count() == 0


def test_owner_picker_finds_people_by_email_or_name(office, records):
    response = office.get("/admin/projects/ajax/lookup/", query_string={"name": "owner", "query": "ali"})
    assert json.loads(response.data) == [[records["boat"].owner_id, f"alice@example.com (#{records['boat'].owner_id})"]]


def test_picker_pages_are_capped_whatever_the_browser_asks(office, make, admin):
    for n in range(60):
        make.user(email=f"bulk{n}@example.com")
    response = office.get(
        "/admin/projects/ajax/lookup/", query_string={"name": "owner", "query": "bulk", "limit": 100000}
    )
    assert len(json.loads(response.data)) == 50


def test_edit_form_uses_ajax_pickers_not_full_lists(office, records, make):
    html = office.get(f"/admin/projects/edit/?id={records['boat'].id}").get_data(as_text=True)
    assert 'data-role="select2-ajax"' in html and 'data-url="/admin/projects/ajax/lookup/?name=owner"' in html
    assert "<option" not in html.split('name="owner"', 1)[1].split("</div>", 1)[0]


def test_specification_list_search_filter_and_create(office, records):
    assert "Hull survey" in table(office.get("/admin/specifications/", query_string={"search": "hull"}))
    html = table(office.get("/admin/specifications/", query_string={"flt0_project_id_equals": records["barn"].id}))
    assert "Hull survey" not in html
    office.post("/admin/specifications/new/", data={"project": records["barn"].id, "title": "Rafters", "body": "Oak"})
    assert db.session.query(Specification).filter_by(title="Rafters").one().project_id == records["barn"].id


def test_specification_edit_details_export_and_delete(office, records):
    spec_id = records["spec"].id
    office.post(
        f"/admin/specifications/edit/?id={spec_id}",
        data={"project": records["boat"].id, "title": "Hull survey v2", "body": ""},
    )
    assert db.session.get(Specification, spec_id).title == "Hull survey v2"
    assert "Hull survey v2" in office.get(f"/admin/specifications/details/?id={spec_id}").get_data(as_text=True)
    assert "Hull survey v2" in office.get("/admin/specifications/export/csv/", buffered=True).get_data(as_text=True)
    office.post("/admin/specifications/delete/", data={"id": spec_id})
    assert db.session.get(Specification, spec_id) is None


def test_project_picker_for_specifications(office, records):
    response = office.get("/admin/specifications/ajax/lookup/", query_string={"name": "project", "query": "roof"})
    assert json.loads(response.data) == [[records["barn"].id, f"Barn roof (#{records['barn'].id})"]]


def test_bullet_items_list_search_filter_export(office, records):
    assert "Sand the deck" in table(office.get("/admin/bullet-items/", query_string={"search": "deck"}))
    html = table(
        office.get("/admin/bullet-items/", query_string={"flt0_specification_id_equals": records["spec"].id + 1})
    )
    assert "Sand the deck" not in html
    assert "Check the keel" in office.get("/admin/bullet-items/export/csv/", buffered=True).get_data(as_text=True)


def test_bullet_item_create_edit_delete(office, records):
    spec_id = records["spec"].id
    office.post("/admin/bullet-items/new/", data={"specification": spec_id, "text": "Paint", "position": 2})
    item = db.session.query(BulletItem).filter_by(text="Paint").one()
    office.post(
        f"/admin/bullet-items/edit/?id={item.id}", data={"specification": spec_id, "text": "Paint twice", "position": 2}
    )
    assert db.session.get(BulletItem, item.id).text == "Paint twice"
    item_id = item.id
    office.post("/admin/bullet-items/delete/", data={"id": item_id})
    assert db.session.get(BulletItem, item_id) is None


def test_asset_list_shows_thumbnails_and_filters_by_owner(office, records, make, admin):
    db.session.add(
        Asset(
            owner=admin,
            storage="local",
            key="admin.png",
            url="/uploads/admin.png",
            content_type="image/png",
            bytes=1,
            width=1,
            height=1,
        )
    )
    db.session.commit()
    html = table(office.get("/admin/assets/", query_string={"flt0_owners_email_equals": "alice@example.com"}))
    assert f'src="{PIXEL}"' in html and "admin.png" not in html


def test_asset_create_edit_delete_and_details(office, approved_user):
    data = {
        "owner": approved_user.id,
        "storage": "local",
        "key": "a.png",
        "url": "/uploads/a.png",
        "content_type": "image/png",
        "bytes": 10,
        "width": 2,
        "height": 2,
    }
    office.post("/admin/assets/new/", data=data)
    asset = db.session.query(Asset).filter_by(key="a.png").one()
    office.post(f"/admin/assets/edit/?id={asset.id}", data={**data, "width": 4})
    assert db.session.get(Asset, asset.id).width == 4
    assert 'src="/uploads/a.png"' in office.get(f"/admin/assets/details/?id={asset.id}").get_data(as_text=True)
    asset_id = asset.id
    office.post("/admin/assets/delete/", data={"id": asset_id})
    assert db.session.get(Asset, asset_id) is None


def test_deleting_a_cover_leaves_the_project_without_one(office, records):
    office.post("/admin/assets/delete/", data={"id": records["cover"].id})
    assert db.session.get(Project, records["boat"].id).cover_asset_id is None


def test_details_link_to_related_lists(office, records, approved_user):
    project_html = office.get(f"/admin/projects/details/?id={records['boat'].id}").get_data(as_text=True)
    spec_html = office.get(f"/admin/specifications/details/?id={records['spec'].id}").get_data(as_text=True)
    user_html = office.get(f"/admin/users/details/?id={approved_user.id}").get_data(as_text=True)
    assert f"/admin/specifications/?flt0_project_id_equals={records['boat'].id}" in project_html
    assert f"/admin/bullet-items/?flt0_specification_id_equals={records['spec'].id}" in spec_html
    assert f"/admin/projects/?flt0_owner_id_equals={approved_user.id}" in user_html
    assert f"/admin/audit-log/?flt0_actor_id_equals={approved_user.id}" in user_html


def test_related_links_filter_the_lists_they_open(office, records, make, pending_user):
    make.access_request(pending_user)
    make.access_request(make.user(email="other@example.com", status="pending"))
    items = table(office.get("/admin/bullet-items/", query_string={"flt0_specification_id_equals": records["spec"].id}))
    requests = table(
        office.get("/admin/access-requests/", query_string={"flt0_persons_email_equals": "newcomer@example.com"})
    )
    assert "Check the keel" in items and "Sand the deck" in items
    assert "newcomer@example.com" in requests and "other@example.com" not in requests


def test_export_keeps_formulas_typed_by_users_as_text(office, make, approved_user):
    make.project(approved_user, name='=HYPERLINK("http://evil.example","click")')
    body = office.get("/admin/projects/export/csv/", buffered=True).get_data(as_text=True)
    assert "'=HYPERLINK(" in body
