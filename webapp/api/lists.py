"""A list's query string under /api: the pages' search, filters, sorts and cursor, read strictly.

The pages drop a value they cannot read (a link from an old bookmark still shows a list);
an API client would then silently get other rows than it asked for. Here every parameter
is checked first, each problem named in the 422's ``details``, and only then is the query
read by the pages' own code (``resources.listing``), so both filter and order alike.
"""

from dataclasses import dataclass
from datetime import date

from flask_login import current_user

from ..exceptions import InvalidInput
from ..ids import parse_id
from ..resources import listing
from ..resources.fields import ChoiceField
from ..resources.relations import RelationField
from ..resources.search import MAX_QUERY_LENGTH
from ..resources.typed import BooleanField, DateField, DateTimeField
from ..wording import with_article
from .envelope import echoed_name

MAX_LIMIT = 100
SCOPES = ("mine", "all")
# An API client says true/false; the pages' links say yes/no. Both read the same.
FLAGS = {"true": "yes", "false": "no", "yes": "yes", "no": "no"}


@dataclass
class ApiListQuery:
    """What a valid query string asks for: the pages' ListQuery, the page size and whether to list every owner's rows."""

    query: listing.ListQuery
    limit: int
    everyone: bool


def parameter_names(resource):
    """Every query parameter the resource's list takes."""
    # A hand-ordered list comes whole, in its order, as its page shows it: no page size, no cursor.
    names = [] if resource.positioned else ["limit", "after"]
    if resource.search:
        names.append("q")
    if resource.owner:
        names.append("scope")
    if resource.sorts:
        names.append("sort")
    for name in resource.filters:
        names += listing.filter_params(resource, name)
    return names


def refuse_unreadable_parameters(args, accepted):
    """InvalidInput (422) naming each query parameter not in ``accepted`` or given more than once.

    Ignoring an unknown one, or reading only the first or the last of ``?limit=1&limit=2``,
    would answer other rows than the client meant to ask for.
    """
    errors = {**unknown_parameters(args, accepted), **repeated_parameters(args)}
    if errors:
        raise InvalidInput("Please correct the query parameters.", errors)


def repeated_parameters(args):
    """{name: message} for each parameter ``args`` gives more than once."""
    return {echoed_name(name): "Give this parameter once." for name in args if len(args.getlist(name)) > 1}


def unknown_parameters(args, accepted):
    """{name: message} for each parameter of ``args`` that is not ``accepted``."""
    listed = ", ".join(accepted)
    # Echo at most a short name: the parameter is the client's, not ours to repeat at length.
    return {
        echoed_name(name): f"This list takes no such parameter; it takes {listed}."
        for name in args
        if name not in accepted
    }


def read(resource, args, default_limit):
    """The list ``args`` asks for, or InvalidInput (422) naming every parameter at fault."""
    errors = unknown_parameters(args, parameter_names(resource))
    errors.update(repeated_parameters(args))
    limit = default_limit if resource.positioned else _limit(args.get("limit"), default_limit, errors)
    _check_search(resource, args, errors)
    if args.get("scope", "mine") not in SCOPES:
        errors["scope"] = "Use mine or all."
    elif args.get("scope") == "all" and not current_user.is_admin:
        # The pages show your own rows instead; an API client would take them for everyone's.
        errors["scope"] = "Only administrators can list every owner's rows; use mine."
    sort_keys = [sort.key for sort in resource.sorts]
    if args.get("sort") and args["sort"] not in sort_keys:
        errors["sort"] = f"Use one of: {', '.join(sort_keys)}."
    values = _filter_values(resource, args, errors)
    query = listing.read(resource, {**values, "q": args.get("q"), "sort": args.get("sort"), "after": args.get("after")})
    if args.get("after") and "sort" not in errors and not _continues(query.after):
        errors["after"] = "Use the cursor a previous page gave in meta.next, with the same sort."
    if errors:
        raise InvalidInput("Please correct the query parameters.", errors)
    return ApiListQuery(query, limit, args.get("scope") == "all")


def _continues(after):
    """True when a cursor was read whole (a (value, id) pair whose id did not parse would start over)."""
    return after is not None and not (isinstance(after, tuple) and after[1] is None)


def _limit(raw, default, errors):
    limit = default if raw is None else parse_id(raw)
    if limit is None or limit > MAX_LIMIT:
        errors["limit"] = f"Use a whole number from 1 to {MAX_LIMIT}."
    return limit


def _check_search(resource, args, errors):
    q = args.get("q", "")
    # Control characters are dropped from search text, as on the pages (resources.search.normalise_query).
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = f"Search for at most {MAX_QUERY_LENGTH} characters."


def _filter_values(resource, args, errors):
    """{parameter: value as the pages' listing reads it} for the filters set, noting each bad value in ``errors``."""
    values = {}
    for name in resource.filters:
        form_field = resource.field(name)
        params = listing.filter_params(resource, name)
        for param in params:
            raw = args.get(param, "").strip()
            if not raw:
                continue
            value, problem = filter_value(form_field, raw)
            if problem:
                errors[param] = problem
            else:
                values[param] = value
        if len(params) == 2 and all(p in values for p in params) and values[params[0]] > values[params[1]]:
            errors[params[1]] = f"{params[1]} must be on or after {params[0]}."
    return values


def filter_value(form_field, raw):
    """(the value the pages' listing reads, None) for a good filter value, else (None, the message)."""
    if isinstance(form_field, BooleanField):
        flag = FLAGS.get(raw.lower())
        return (flag, None) if flag else (None, "Use true or false.")
    if isinstance(form_field, DateField | DateTimeField):
        try:
            return date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, "Use a date as YYYY-MM-DD, for example 2027-03-31."
    if isinstance(form_field, RelationField):
        row_id = parse_id(raw)
        return (str(row_id), None) if row_id else (None, f"Use the id of {with_article(form_field.label.lower())}.")
    if isinstance(form_field, ChoiceField) and raw in form_field._values:
        return raw, None
    return None, f"Use one of: {', '.join(value for value, _ in form_field.choices)}."
