"""Every route of the URL map turned into hostile requests ("probes"), each changing one kind of input.

Routes come from ``app.url_map``, so a new route is probed without anyone listing it. What a
valid request to it looks like (its path arguments, form or JSON body) comes from the route
matrix (tests/matrix/) for the app's own routes, and from the Flask-Admin view behind each
back-office route (its model's rows, filters, form fields, pickers and actions). A probe
keeps everything valid but one thing: a path argument, every query parameter, one or every
form field, a header set, the content type, or the method. The values are sampled from
``values.py`` by a seeded draw per route and role, so a run is reproducible and each role
meets other values.
"""

import json
import random
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote

from wtforms.fields.core import UnboundField

from tests.matrix import Route
from webapp.models import AccessRequest, BulletItem, Project, Specification, User
from webapp.permissions import ADMIN, APPROVED, PUBLIC, SIGNED_IN, audience_of

from . import values

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("anonymous", "pending", "user", "admin")
ARGUMENT = re.compile(
    r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<options>.*?)\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
FORM = "application/x-www-form-urlencoded"
# Endpoints whose valid request ends the session or changes the world's records for good: probed last.
LAST = ("logout", "delete", "revoke", "decide", "suspend", "reject", "approve", "make_admin", "action", "reset")


@dataclass
class Probe:
    """One request: what it carries and where, described for the failure report."""

    endpoint: str
    method: str
    path: str
    query: str = ""
    body: object = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    https: bool = False
    what: str = ""
    back_office: bool = False  # Flask-Admin's pages: plain forms, no htmx

    @property
    def url(self):
        return self.path + (f"?{self.query}" if self.query else "")

    def send(self, client):
        base = "https://localhost" if self.https else "http://localhost"
        options = {"method": self.method, "headers": self.headers, "base_url": base, "buffered": True}
        if self.body is not None:
            options["data"] = self.body
            options["content_type"] = self.content_type or FORM
        return client.open(self.url, **options)

    @property
    def is_partial(self):
        """True when htmx asked for a fragment (not boosted, not a history restore)."""
        headers = {key.lower(): value for key, value in self.headers.items()}
        return (
            headers.get("hx-request") == "true"
            and headers.get("hx-boosted") != "true"
            and headers.get("hx-history-restore-request") != "true"
        )

    def __str__(self):
        shown = self.url if len(self.url) < 160 else self.url[:157] + "..."
        return f"{self.method} {shown} [{self.what}]"


class _Maker:
    """Makes a route's probes: its valid request, with the named parts replaced."""

    def __init__(self, endpoint, method, path, query, body, headers, back_office):
        self.endpoint, self.method, self.path, self.query = endpoint, method, path, query
        self.body, self.headers, self.back_office = body, headers, back_office

    def __call__(self, what, **changes):
        fields = {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "content_type": self.headers.get("Content-Type"),
            "headers": dict(self.headers),
        }
        fields.update(changes)
        return Probe(self.endpoint, what=what, back_office=self.back_office, **fields)


def _seed(*parts):
    return random.Random(zlib.crc32("|".join(map(str, parts)).encode()))


def _sample(rng, pool, count):
    """``count`` values of ``pool``: always its first (the worst: NUL, the id beyond 64 bits…), then a draw."""
    pool = list(pool)
    if count <= 0 or not pool:
        return []
    return [pool[0], *rng.sample(pool[1:], min(count - 1, len(pool) - 1))]


def _encoded(pairs):
    """``name=value&…`` where values are already percent-encoded (hostile) or plain (valid)."""
    return "&".join(f"{quote(str(name), safe='')}={value}" for name, value in pairs)


def _plain(value):
    return quote(str(value), safe="")


def world_ids(world):
    """The world's row ids by model, read once: probes delete some of those rows on their way."""
    return {
        User: world.user.id,
        AccessRequest: world.access_request.id,
        Project: world.project.id,
        Specification: world.specification.id,
        BulletItem: world.items[0].id,
    }


def matrix_routes():
    """The route matrix's valid requests, by (method, endpoint)."""
    from tests.test_route_matrix import ROUTES

    return {route.key: route for route in ROUTES}


class Catalogue:
    """Builds the probes of every route for one role, from the app and the world it runs against."""

    def __init__(self, app, world, role, seed="", per_kind=1, fields_per_form=3):
        self.app = app
        self.world = world
        self.ids = world_ids(world)
        self.role = role
        self.seed = seed  # e.g. the database's name: each run of the catalogue draws other values
        self.per_kind = per_kind
        self.fields_per_form = fields_per_form
        self.matrix = matrix_routes()
        self.admin_blueprints = app.extensions["admin_blueprints"]

    def rules(self):
        """(rule, method) for every route, the ones that end the session or delete records last."""
        pairs = [
            (rule, method) for rule in self.app.url_map.iter_rules() for method in sorted(rule.methods & set(METHODS))
        ]
        # The back office's deletions and actions go very last: the pages' routes still need the world's rows.
        return sorted(
            pairs,
            key=lambda pair: (
                any(word in pair[0].endpoint for word in LAST),
                pair[0].rule.startswith("/admin"),
                pair[0].rule,
                pair[1],
            ),
        )

    def probes(self):
        for rule, method in self.rules():
            yield from self.for_route(rule, method)

    def reaches(self, endpoint):
        """Whether this role gets past the access gate to the view (else only the gate reads the request)."""
        allowed = {PUBLIC: ROLES, SIGNED_IN: ROLES[1:], APPROVED: ROLES[2:], ADMIN: ROLES[3:]}
        return self.role in allowed.get(audience_of(self.app, endpoint), ROLES[2:])

    def for_route(self, rule, method):
        rng = _seed(self.seed, self.role, rule.endpoint, method)
        draws, fields = self._budget(rule.endpoint)
        path_args, query, body, headers = self.valid_request(rule, method)
        files = rule.endpoint == "static" or rule.endpoint.endswith(".static")
        reached = self.reaches(rule.endpoint) and not files
        back_office = rule.endpoint.rpartition(".")[0] in self.admin_blueprints
        probe = _Maker(rule.endpoint, method, self._path(rule, path_args), query, body, headers, back_office)
        for name, converter in self._arguments(rule):
            pool = values.IDS if converter == "id" else values.ENUMS if converter == "any" else values.TEXT
            for value in _sample(rng, pool, 2 if reached or files else 1):
                yield probe(f"path {name}", path=self._path(rule, path_args, **{name: value}))
        if files:
            return  # the path is all a file route reads
        for extra in _sample(rng, values.HEADERS, draws if reached else 1):
            yield probe(f"headers {sorted(extra)}", headers={**headers, **extra}, https="Referer" in extra)
        wrong = [other for other in METHODS if other not in rule.methods]
        if wrong:
            yield probe("wrong method", method=rng.choice(wrong), body=None, headers={})
        if not reached:
            return  # the gate answers before any query or body is read
        yield from self._queries(rule, rng, probe, draws)
        if body is not None or method != "GET":
            yield from self._bodies(rule, rng, probe, body, headers, fields)

    def _budget(self, endpoint):
        """(draws per kind of input, single fields probed) for a route, keeping the catalogue quick."""
        if endpoint.rpartition(".")[0] in self.admin_blueprints:
            return 1, 2  # Flask-Admin's routes share their code across views: each view draws a little
        if self.role == "admin" and audience_of(self.app, endpoint) != ADMIN:
            return 1, 1  # the approved user's run probes these routes in full
        return 2, self.fields_per_form

    def _queries(self, rule, rng, probe, draws):
        names = list(values.QUERY_NAMES) + self._filter_names(rule)
        # NUL in every parameter at once; then each parameter a value drawn from one kind or another.
        queries = [_encoded((name, values.TEXT[0]) for name in names)]
        if draws > 1:
            kinds = (values.TEXT, values.IDS, values.ENUMS, values.CURSORS)
            queries.append(_encoded((name, rng.choice(rng.choice(kinds))) for name in names))
        for extra in queries:
            yield probe("query", query="&".join(part for part in (probe.query, extra) if part))

    def _bodies(self, rule, rng, probe, body, headers, fields):
        if headers.get("Content-Type") == "application/json":
            yield from self._json_bodies(rng, probe, body, fields)
        else:
            yield from self._form_bodies(rule, rng, probe, body, fields)
        for content_type, raw in _sample(rng, values.CONTENT_TYPES, 1):
            yield probe(f"content type {content_type}", body=raw, content_type=content_type, headers={})

    def _form_bodies(self, rule, rng, probe, body, count):
        fields = dict(body or {})
        names = list(dict.fromkeys(list(fields) + self._form_names(rule))) or ["name"]
        for value in _sample(rng, values.TEXT, self.per_kind):
            yield probe("every form field", body=_encoded((name, value) for name in names), content_type=FORM)
        # One field at a time, for a few fields in turn (the probe above reaches every field at once).
        for name in _sample(rng, names, count):
            value = rng.choice(values.TEXT)
            pairs = [(key, value if key == name else _plain(old)) for key, old in fields.items()]
            if name not in fields:
                pairs.append((name, value))
            yield probe(f"form field {name}", body=_encoded(pairs), content_type=FORM)

    def _json_bodies(self, rng, probe, body, count):
        fields = json.loads(body) if body else {}
        fields = fields if isinstance(fields, dict) else {}
        names = list(fields) or ["name"]
        for value in _sample(rng, values.JSON_VALUES, self.per_kind + 1):
            yield probe("every JSON member", body=json.dumps({name: value for name in names}))
        for name in _sample(rng, names, count):
            yield probe(f"JSON member {name}", body=json.dumps({**fields, name: rng.choice(values.JSON_VALUES)}))
        for raw in _sample(rng, values.JSON_BODIES, 1):
            yield probe("JSON body", body=raw)

    @staticmethod
    def _arguments(rule):
        return [(match["name"], match["converter"] or "default") for match in ARGUMENT.finditer(rule.rule)]

    def _path(self, rule, path_args, **hostile):
        """The rule's path with valid arguments (quoted) and hostile ones (already encoded)."""

        def fill(match):
            name = match["name"]
            if name in hostile:
                return hostile[name]
            return quote(str(path_args.get(name, "x")), safe="/" if match["converter"] == "path" else "")

        return ARGUMENT.sub(fill, rule.rule)

    def valid_request(self, rule, method):
        """(path arguments, query string, body, headers) of a valid request to the route."""
        route = self.matrix.get((method, rule.endpoint))
        if route is not None:
            return self._from_matrix(rule, route)
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in self.admin_blueprints or rule.endpoint.startswith("admin"):
            return self._admin_request(rule, method)
        if rule.endpoint == "static":
            return {"filename": "css/app.css"}, "", None, {}
        return {}, "", None, {}

    def _from_matrix(self, rule, route: Route):
        args = route.args(self.world)
        path_args = {name: value for name, value in args.items() if name in rule.arguments}
        query = _encoded((name, _plain(value)) for name, value in args.items() if name not in rule.arguments)
        body = route.data(self.world) if route.data else None
        return path_args, query, body, dict(route.headers)

    # The back office: Flask-Admin's views know their model, filters, form fields, pickers and actions.

    def _view(self, rule):
        function = self.app.view_functions.get(rule.endpoint)
        return getattr(function, "__self__", None)

    def _record_id(self, view):
        return self.ids.get(getattr(view, "model", None), 1)

    def _admin_request(self, rule, method):
        view = self._view(rule)
        name = rule.endpoint.rpartition(".")[2]
        if name == "static":
            return {"filename": "admin/css/bootstrap4/admin.css"}, "", None, {}
        if view is None or getattr(view, "model", None) is None:
            return {}, "", None, {}
        record = self._record_id(view)
        if name in ("edit_view", "details_view") and method == "GET":
            return {}, f"id={record}", None, {}
        if name == "export":
            return {"export_type": "csv"}, "", None, {}
        if name == "ajax_lookup":
            refs = list(getattr(view, "_form_ajax_refs", {}) or {})
            return {}, _encoded([("name", _plain(refs[0] if refs else "owner")), ("query", "a")]), None, {}
        if name == "edit_view":
            return {}, f"id={record}", {}, {}
        if name == "delete_view":
            return {}, "", {"id": str(record)}, {}
        if name == "action_view":
            actions = [action for action, _ in getattr(view, "_actions", [])] or ["delete"]
            return {}, "", {"action": actions[0], "rowid": "0"}, {}
        if name == "ajax_update":
            return {}, "", {"list_form_pk": str(record)}, {}
        return {}, "", ({} if method == "POST" else None), {}

    def _filter_names(self, rule):
        view = self._view(rule)
        if view is None or not rule.endpoint.endswith(".index_view") and not rule.endpoint.endswith(".export"):
            return []
        return [f"flt{index}_{key}" for index, key in enumerate(sorted(getattr(view, "_filter_args", None) or {}))]

    def _form_names(self, rule):
        view = self._view(rule)
        if view is None or rule.rule.endswith("/action/"):
            return []
        form_class = getattr(view, "_create_form_class", None)
        if rule.endpoint.endswith(".edit_view"):
            form_class = getattr(view, "_edit_form_class", form_class)
        if form_class is None:
            return []
        return [name for name, value in vars(form_class).items() if isinstance(value, UnboundField)]
