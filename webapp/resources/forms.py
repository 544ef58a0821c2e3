"""What a resource form shows: the values as typed, the messages, and where the focus goes."""

from dataclasses import dataclass, field


@dataclass
class FormState:
    """What a form shows: the values as typed, the errors, and whether it takes the focus."""

    prefix: str
    values: dict
    errors: dict = field(default_factory=dict)
    focus: bool = False

    @classmethod
    def blank(cls, resource, prefix, focus=False):
        return cls(prefix, {f.name: f.initial(None) for f in resource.fields}, focus=focus)

    @classmethod
    def of(cls, resource, obj, prefix, focus=False):
        return cls(prefix, {f.name: f.initial(obj) for f in resource.fields}, focus=focus)

    @classmethod
    def submitted(cls, resource, data, prefix, error, actor=None, obj=None):
        """The refused form as typed, with ``error``'s messages (InvalidForm)."""
        values = {f.name: f.redisplay(data, error.values, actor, obj) for f in resource.fields}
        return cls(prefix, values, error.errors, focus=True)

    def autofocus(self, name, fields):
        """True for the field that should take the focus: the first with an error, else the first."""
        if not self.focus:
            return False
        wanted = next((f.name for f in fields if f.name in self.errors), fields[0].name if fields else None)
        return name == wanted

    def dom_id(self, name):
        return f"{self.prefix}-{name}"
