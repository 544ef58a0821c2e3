"""Item positions stay 0..n-1 and unique, through every change and when two people edit at once."""

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import BulletItem, Specification, User
from webapp.projects.declarations import ITEMS
from webapp.resources import writes

ROUNDS = 15


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
