"""Reading request bodies: JSON objects (or multipart forms with files), turned into the form values the pages read."""

import logging

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..exceptions import DomainError, InvalidInput, shown_message
from ..resources.fields import UNUSABLE, InvalidForm, clean, described
from .envelope import echoed_name

JSON = "application/json"
MULTIPART = "multipart/form-data"
UNKNOWN = "This field does not exist or cannot be set."

log = logging.getLogger(__name__)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply to parse is malformed JSON (a 400), not a RecursionError (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # ``[[[[…]]]]`` a few thousand levels deep exhausts the parser's recursion limit.
            raise ValueError("JSON nested too deeply") from None


def json_object():
    """The body as a JSON object; 415 for another content type, 400 when it is not a JSON object."""
    if request.mimetype != JSON:
        raise DomainError("Send the body as application/json.", status=415)
    _read_whole()
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise DomainError("The body must be a JSON object.", status=400)
    return payload


def optional_json_object():
    """Like ``json_object``, but an empty body is an empty object (for actions whose fields are all optional)."""
    # Not ``request.data``: it is empty for form content types, which would pass a form body as "no body".
    if not request.content_length and not _read_whole():
        return {}
    return json_object()


def _read_whole():
    """The body's bytes; 413 for a body without Content-Length (chunked) that reaches MAX_CONTENT_LENGTH."""
    data = request.get_data()
    limit = request.max_content_length
    # Werkzeug stops reading a chunked body at the limit without a word: what was read would pass as the body.
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    return data


def action_members(known=()):
    """The body of an action: empty (or ``{}``), or a JSON object of ``known`` members only, else 415/400/413/422."""
    return only(optional_json_object(), known)


def only(payload, known):
    """``payload`` when each of its members is ``known``, else 422 naming every other member."""
    unknown = sorted(set(payload) - set(known))
    if unknown:
        raise InvalidInput("Please correct the highlighted fields.", {echoed_name(name): UNKNOWN for name in unknown})
    return payload


def text(payload, name, required=False):
    """A text member of ``payload`` ('' when absent and optional); 422 when it is not text."""
    value = payload.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Please correct the highlighted fields.", {name: f"{name} must be text."})
    return value


def resource_values(resource, actor, obj=None):
    """The submitted values as the resource's form would send them; members absent from a PATCH keep their value."""
    if request.mimetype == MULTIPART and resource.multipart:
        return _multipart(resource, obj)
    values, errors = _json_values(resource, obj)
    if errors:
        # Check the other fields too, so every message comes back at once (a JSON body stores no file).
        others = [f for f in resource.fields if f.name not in errors]
        try:
            clean(others, values, actor, obj)
        except InvalidForm as invalid:
            errors.update(invalid.errors)
        raise InvalidForm(errors)
    return values


def _json_values(resource, obj):
    """(form values, errors) from a JSON object body."""
    payload = json_object()
    read_only = {"id", "created_at", "updated_at", resource.owner, resource.parent and resource.parent.fk}
    if resource.positioned:
        read_only.add(resource.order.column)
    names = {f.name for f in resource.fields}
    unknown = sorted(set(payload) - names - read_only)
    errors = {echoed_name(name): UNKNOWN for name in unknown}
    values = MultiDict()
    for form_field in resource.fields:
        try:
            if form_field.name in payload:
                values.setlist(form_field.name, form_field.form_values(payload[form_field.name]))
            else:
                values.setlist(form_field.name, _unchanged(form_field, obj))
        except UNUSABLE as error:
            errors[form_field.name] = shown_message(error, log, described(form_field))
    return values, errors


def _multipart(resource, obj):
    """A multipart form: text parts as typed, a file part named after a file or image field is that field's file."""
    # Werkzeug reads a body it cannot parse (no boundary, garbage, cut short) as no parts at all.
    if not request.mimetype_params.get("boundary") or not (request.form or request.files):
        raise DomainError("The body could not be read as multipart/form-data: no parts were found.", status=400)
    form, files, errors = MultiDict(), MultiDict(), {}
    names = {f.name for f in resource.fields}
    file_fields = {f.name for f in resource.fields if f.multipart}
    for name, value in request.form.items(multi=True):
        # A text part named like a file part is not a file: drop it rather than hand the field a string.
        if name.removesuffix("_file") in file_fields and name.endswith("_file"):
            continue
        if name in names:
            form.add(name, value)
        else:
            errors[echoed_name(name)] = UNKNOWN
    for name, upload in request.files.items(multi=True):
        field_name = name.removesuffix("_file")
        if field_name in file_fields:
            files.add(f"{field_name}_file", upload)
        else:
            errors[echoed_name(name)] = (
                "Only file fields take a file; send this value as text." if name in names else UNKNOWN
            )
    if errors:
        raise InvalidForm(errors)
    for form_field in resource.fields:
        if form_field.name not in form and f"{form_field.name}_file" not in files:
            form.setlist(form_field.name, _unchanged(form_field, obj))
    return CombinedMultiDict([files, form])


def _unchanged(form_field, obj):
    """The form value of a member the body leaves out: PATCH keeps what is stored, POST takes the default."""
    current = getattr(obj, form_field.name) if obj is not None else (form_field.default or None)
    return form_field.form_values(form_field.to_json(current))
