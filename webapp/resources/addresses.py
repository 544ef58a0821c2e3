"""Address fields: an e-mail address and a web address, checked by WTForms' validators."""

import wtforms
from wtforms.validators import URL, Email, ValidationError

from .typed import ScalarField
from .validation import MaxLength, PlainText, strip


class TextLikeField(ScalarField):
    """A checked single line of text (an address): empty is stored as ''."""

    wtforms_class = wtforms.StringField

    def validators(self):
        rules = [*super().validators(), PlainText(self.label), MaxLength(self.label, self.max_length)]
        return rules + self.format_validators()

    def form_field(self, **options):
        return self.wtforms_class(
            self.label, validators=self.validators(), filters=[strip], description=self.help, **options
        )

    def stored(self, data):
        return data or ""

    def address_schema(self, schema):
        """``schema`` with the label; an optional address may also be '' (what an empty one is stored and sent as)."""
        if self.required:
            return {**schema, "title": self.label}
        return {"title": self.label, "anyOf": [schema, {"const": ""}]}


class EmailField(TextLikeField):
    """An e-mail address (checked by email-validator, no DNS look-up). Column: ``String(320)``, NOT NULL, ``server_default=""``."""

    widget = "email"
    scaffold_type = "email"
    wtforms_class = wtforms.EmailField

    def __init__(self, name, label, *, max_length=320, **options):
        super().__init__(name, label, max_length=max_length, **options)

    def format_validators(self):
        return [Email(message=f"{self.label}: enter an e-mail address such as name@example.com.")]

    def json_schema(self):
        return self.address_schema({"type": "string", "format": "email", "maxLength": self.max_length})


def web_scheme(label):
    """A validator: only http and https addresses (no javascript:, data: or file: links in the pages)."""

    def check(form, field):
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(f"{label}: enter an address starting with https:// or http://.")

    return check


class URLField(TextLikeField):
    """A web address (http or https). Column: ``String(2000)``, NOT NULL, ``server_default=""``."""

    widget = "url"
    scaffold_type = "url"
    wtforms_class = wtforms.URLField

    def __init__(self, name, label, *, max_length=2000, **options):
        super().__init__(name, label, max_length=max_length, **options)

    def format_validators(self):
        message = f"{self.label}: enter a web address such as https://example.org/."
        return [web_scheme(self.label), URL(require_tld=True, message=message)]

    def json_schema(self):
        web = {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "maxLength": self.max_length}
        return self.address_schema(web)
