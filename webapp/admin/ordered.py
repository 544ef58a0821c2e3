"""Hand-ordered rows (bullet items) in the back office: which position a form may ask for, and the move itself.

The pages keep each list's positions 0..n-1, without gaps or duplicates (webapp/resources/positions.py).
A position typed in the back office keeps it so: it must be a place in the list, and the row gets there
through the pages' service, which moves the others to make room (a gap or a negative position stored
as typed made the pages' later moves fail).
"""

from wtforms import IntegerField, ValidationError
from wtforms.validators import InputRequired

from ..extensions import db
from ..resources import positions


class PositionField(IntegerField):
    """The row's place in its parent's list, from 0: stored by :meth:`place`, after the row's other values."""

    def __init__(self, label=None, validators=None, *, resource, parent_field, **kwargs):
        super().__init__(label, validators or [InputRequired()], **kwargs)
        self.resource = resource
        self.parent_field = parent_field  # the form's field naming the parent (a picker, or a typed id)

    def lists(self, form):
        """The parent ids of the list the row is in (None for a new row) and of the list the form puts it in."""
        parent = form[self.parent_field]
        return self._parent_id(parent.object_data), self._parent_id(parent.data)

    def _parent_id(self, parent):
        if parent is None or isinstance(parent, int):
            return parent
        return getattr(parent, self.resource.parent.resource.pk.key)

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or form[self.parent_field].errors:
            return
        was_in, goes_to = self.lists(form)
        if goes_to is None:
            return  # the parent's own field says what is missing
        # Within its own list a row takes one of the n places; joining a list (or a new row), one of n + 1.
        last = len(positions.positions(self.resource, goes_to)) - (1 if was_in == goes_to else 0)
        if not 0 <= self.data <= last:
            raise ValidationError(f"Choose a position from 0 to {last}.")

    def populate_obj(self, obj, name):
        """Nothing yet: the view calls :meth:`place` once the row's other values (its parent) are set."""

    def place(self, form, obj):
        """Put ``obj`` at this position of its list, the others moving to make room, as the pages move rows.

        A row leaving another list leaves it from its end, so no gap remains there. Both lists are locked
        first, in the order of their ids, so two such moves between the same lists wait for each other.
        """
        was_in, goes_to = self.lists(form)
        # Until place_last, the row's new parent has not been written and a new row has no position.
        with db.session.no_autoflush:
            for parent_id in sorted({was_in, goes_to} - {None}):
                positions.lock_parent(self.resource, parent_id)
            if was_in != goes_to:
                if was_in is not None:
                    move_to_the_end(self.resource, obj.id, was_in)
                positions.place_last(self.resource, obj, goes_to)
        db.session.flush()
        order = [row_id for row_id, _ in positions.positions(self.resource, goes_to) if row_id != obj.id]
        order.insert(self.data, obj.id)
        positions.reorder(self.resource, goes_to, order)
        # The service wrote the rows directly; the row's own value follows, so the history records the move.
        setattr(obj, self.resource.order.column, self.data)


def move_to_the_end(resource, row_id, parent_id):
    """Move the row to the end of the parent's list, so that taking it out (deleted, moved) leaves no gap."""
    positions.lock_parent(resource, parent_id)
    others = [other for other, _ in positions.positions(resource, parent_id) if other != row_id]
    positions.reorder(resource, parent_id, [*others, row_id])
