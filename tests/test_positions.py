"""Item positions stay 0..n-1 and unique, through every change and when two people edit at once."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import BulletItem, Specification, User
from webapp.projects.declarations import ITEMS
from webapp.resources import writes

ROUNDS = 15
HX = {"HX-Request": "true"}
LONG_AGO = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def ordered(spec_id):
    """(text, position) of the specification's items in position order."""
    rows = db.session.execute(
        select(BulletItem.text, BulletItem.position)
        .where(BulletItem.specification_id == spec_id)
        .order_by(BulletItem.position)
    )
    return [tuple(row) for row in rows]


@pytest.fixture
def spec(make, approved_user):
    """A specification of Alice's with items a, b, c, d."""
    specification = make.specification(make.project(approved_user))
    make.bullet_items(specification, "a", "b", "c", "d")
    return specification


def test_database_refuses_two_items_at_one_position(spec):
    db.session.add(BulletItem(specification_id=spec.id, text="clash", position=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_created_items_take_the_next_position(spec, approved_user):
    writes.create(ITEMS, {"text": "e"}, approved_user, parent=spec)
    assert [p for _, p in ordered(spec.id)] == [0, 1, 2, 3, 4]


def test_first_item_of_an_empty_specification_is_at_zero(make, approved_user):
    empty = make.specification(make.project(approved_user))
    writes.create(ITEMS, {"text": "first"}, approved_user, parent=empty)
    assert ordered(empty.id) == [("first", 0)]


def test_deleting_from_the_middle_renumbers_the_rest(spec, approved_user):
    writes.delete(ITEMS, spec.items[1], approved_user)
    assert ordered(spec.id) == [("a", 0), ("c", 1), ("d", 2)]


def test_reorder_to_a_reversed_list_rewrites_every_position(spec, approved_user):
    ids = [item.id for item in spec.items]
    assert writes.reorder(ITEMS, spec, list(reversed(ids)), approved_user) is True
    assert ordered(spec.id) == [("d", 0), ("c", 1), ("b", 2), ("a", 3)]


def test_reorder_to_the_same_order_changes_nothing(spec, approved_user):
    ids = [item.id for item in spec.items]
    assert writes.reorder(ITEMS, spec, ids, approved_user) is False


def test_reorder_ignores_repeated_ids(spec, approved_user):
    a, b, c, d = (item.id for item in spec.items)
    writes.reorder(ITEMS, spec, [c, c, a, c], approved_user)
    assert ordered(spec.id) == [("c", 0), ("a", 1), ("b", 2), ("d", 3)]


def by_text(spec):
    """{text: id} of the specification's items."""
    return {item.text: item.id for item in spec.items}


def store_positions(spec, **stored):
    """Write items' positions straight to the database, as an import or an old back-office edit could leave them."""
    ids = by_text(spec)
    for offset, text in enumerate(stored):
        # Out of the way first, so that no single write meets a position another item still holds.
        db.session.execute(update(BulletItem).where(BulletItem.id == ids[text]).values(position=10**6 + offset))
    for text, position in stored.items():
        db.session.execute(update(BulletItem).where(BulletItem.id == ids[text]).values(position=position))
    db.session.commit()


def spec_updated_at(spec_id):
    return db.session.scalar(select(Specification.updated_at).where(Specification.id == spec_id))


@pytest.fixture
def scrambled(spec):
    """Alice's items stored at a=2, b=5, c=9, d=-3: a negative position and gaps, listed d, a, b, c."""
    store_positions(spec, a=2, b=5, c=9, d=-3)
    return spec


@pytest.fixture
def alice(approved_user, sign_in):
    """Alice, signed in on ``client``."""
    return sign_in.as_user(approved_user)


def send(client, caller, via, spec_id, move=None, order=None):
    """Move an item (``move=(id, direction)``) or order the list (``order=[ids]``) through the pages or the API."""
    if via == "pages" and move:
        return client.post(f"/items/{move[0]}/move", data={"direction": move[1]}, headers=HX)
    if via == "pages":
        return client.post(f"/specifications/{spec_id}/items/order", data={"ids": order}, headers=HX)
    if move:
        return caller.post(f"/api/v1/items/{move[0]}/move", json={"direction": move[1]})
    return caller.put(f"/api/v1/specifications/{spec_id}/items/order", json={"ids": order})


# Sweep finding A: with a negative stored position, parking rows at -index-1 hit the UNIQUE constraint (a 500).
@pytest.mark.parametrize("via", ["pages", "api"])
@pytest.mark.parametrize("action", ["move", "order"])
def test_moving_in_a_list_stored_with_a_negative_position_and_gaps_renumbers_it(
    client, alice, api, scrambled, via, action
):
    ids = by_text(scrambled)
    change = {"move": (ids["c"], "up")} if action == "move" else {"order": [ids[t] for t in "dacb"]}
    response = send(client, api(alice), via, scrambled.id, **change)
    assert response.status_code == 200
    assert ordered(scrambled.id) == [("d", 0), ("a", 1), ("c", 2), ("b", 3)]


def test_positions_at_the_ends_of_the_integer_range_are_renumbered(spec, approved_user):
    store_positions(spec, a=-(2**31), b=7, c=0, d=2**31 - 1)
    ids = by_text(spec)
    assert writes.reorder(ITEMS, spec, [ids[t] for t in "dcba"], approved_user) is True
    assert ordered(spec.id) == [("d", 0), ("c", 1), ("b", 2), ("a", 3)]


def test_deleting_from_a_list_stored_with_a_negative_position_and_gaps_renumbers_it(scrambled, approved_user):
    writes.delete(ITEMS, db.session.get(BulletItem, by_text(scrambled)["b"]), approved_user)
    assert ordered(scrambled.id) == [("d", 0), ("a", 1), ("c", 2)]


def test_an_item_added_after_the_largest_position_goes_last_and_renumbers_the_list(spec, approved_user):
    store_positions(spec, a=2, b=5, c=9, d=2**31 - 1)  # one more would overflow PostgreSQL's integer
    writes.create(ITEMS, {"text": "e"}, approved_user, parent=spec)
    assert ordered(spec.id) == [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4)]


def test_a_list_stored_with_gaps_stays_as_it_is_when_nothing_moves(scrambled, approved_user):
    before = ordered(scrambled.id)
    ids = by_text(scrambled)
    assert writes.reorder(ITEMS, scrambled, [ids[t] for t in "dabc"], approved_user) is False
    assert writes.move(ITEMS, db.session.get(BulletItem, ids["d"]), "up", approved_user) is False
    assert ordered(scrambled.id) == before


# Sweep finding B: on SQLite, locking the specification stamped its updated_at even when nothing moved.
@pytest.mark.parametrize("via", ["pages", "api"])
@pytest.mark.parametrize("action", ["move", "order"])
def test_actions_that_move_nothing_leave_the_specification_untouched(client, alice, api, make, spec, via, action):
    theirs = make.bullet_items(make.specification(make.project(make.user())), "theirs")[0]
    db.session.execute(update(Specification).where(Specification.id == spec.id).values(updated_at=LONG_AGO))
    db.session.commit()
    first = by_text(spec)["a"]
    change = {"move": (first, "up")} if action == "move" else {"order": [theirs.id, 10**9]}
    response = send(client, api(alice), via, spec.id, **change)
    assert response.status_code == 200
    assert ordered(spec.id) == [("a", 0), ("b", 1), ("c", 2), ("d", 3)]
    assert spec_updated_at(spec.id) == LONG_AGO


def test_item_changes_leave_the_specifications_updated_at_alone_on_both_databases(spec, approved_user):
    db.session.execute(update(Specification).where(Specification.id == spec.id).values(updated_at=LONG_AGO))
    db.session.commit()
    ids = by_text(spec)
    writes.reorder(ITEMS, spec, [ids[t] for t in "dcba"], approved_user)
    writes.move(ITEMS, db.session.get(BulletItem, ids["a"]), "up", approved_user)
    writes.create(ITEMS, {"text": "e"}, approved_user, parent=spec)
    writes.delete(ITEMS, db.session.get(BulletItem, ids["b"]), approved_user)
    assert ordered(spec.id) == [("d", 0), ("c", 1), ("a", 2), ("e", 3)]
    assert spec_updated_at(spec.id) == LONG_AGO


def test_a_move_and_a_reorder_cost_four_statements_each(scrambled, approved_user, count_queries):
    """The parent's lock, one read of the positions and two UPDATEs, however the positions were stored."""
    ids = by_text(scrambled)
    item = db.session.get(BulletItem, ids["c"])
    with count_queries() as counter:
        assert writes.move(ITEMS, item, "up", approved_user) is True
    assert counter.count <= 4, counter.statements
    spec = db.session.get(Specification, scrambled.id)
    with count_queries() as counter:
        assert writes.reorder(ITEMS, spec, [ids[t] for t in "abcd"], approved_user) is True
    assert counter.count <= 4, counter.statements
    assert ordered(scrambled.id) == [("a", 0), ("b", 1), ("c", 2), ("d", 3)]


def test_deleting_an_item_locks_its_list_once(scrambled, approved_user, count_queries):
    """The parent's lock, the row's, the audit entry, the DELETE, one read of the positions and the renumbering."""
    ids = by_text(scrambled)
    item = db.session.get(BulletItem, ids["b"])
    with count_queries() as counter:
        writes.delete(ITEMS, item, approved_user)
    parent_locks = [s for s in counter.statements if "specification" in s.split("WHERE")[0].lower()]
    assert len(parent_locks) == 1, counter.statements
    assert counter.count <= 9, counter.statements
    assert ordered(scrambled.id) == [("d", 0), ("a", 1), ("c", 2)]


def _run_together(app, *jobs):
    """Run each job in its own thread, with its own app context and session, started at the same moment."""
    start = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        with app.app_context():
            try:
                start.wait()
                job()
            except Exception as error:  # reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _loaded(spec_id, user_id):
    return db.session.get(Specification, spec_id), db.session.get(User, user_id)


def test_two_people_adding_at_once_get_distinct_gapless_positions(app, spec, approved_user):
    spec_id, user_id = spec.id, approved_user.id

    def add(prefix):
        def job():
            for n in range(ROUNDS):
                specification, user = _loaded(spec_id, user_id)
                writes.create(ITEMS, {"text": f"{prefix}{n}"}, user, parent=specification)

        return job

    _run_together(app, add("x"), add("y"))
    rows = ordered(spec_id)
    assert [p for _, p in rows] == list(range(4 + 2 * ROUNDS))
    assert [t for t, _ in rows if t.startswith("x")] == [f"x{n}" for n in range(ROUNDS)]


def test_reordering_while_someone_adds_and_deletes_keeps_positions_gapless(app, spec, approved_user):
    spec_id, user_id = spec.id, approved_user.id

    def shuffle():
        for _ in range(ROUNDS):
            specification, user = _loaded(spec_id, user_id)
            ids = list(db.session.scalars(select(BulletItem.id).where(BulletItem.specification_id == spec_id)))
            writes.reorder(ITEMS, specification, list(reversed(ids)), user)

    def add_and_delete():
        for n in range(ROUNDS):
            specification, user = _loaded(spec_id, user_id)
            item = writes.create(ITEMS, {"text": f"new{n}"}, user, parent=specification)
            if n % 2:
                writes.delete(ITEMS, item, user)

    def move():
        for n in range(ROUNDS):
            _, user = _loaded(spec_id, user_id)
            first = db.session.scalar(
                select(BulletItem).where(BulletItem.specification_id == spec_id).order_by(BulletItem.id)
            )
            writes.move(ITEMS, first, "down" if n % 2 else "up", user)

    _run_together(app, shuffle, add_and_delete, move)
    rows = ordered(spec_id)
    assert [p for _, p in rows] == list(range(len(rows)))
    assert len(rows) == 4 + (ROUNDS + 1) // 2
