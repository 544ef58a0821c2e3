"""Hostile values by kind, written as they travel: percent-encoded bytes for paths, queries and forms.

Writing them encoded lets a value carry what no browser sends: NUL, lone UTF-16 surrogates
(``%ED%A0%80``), bytes that are not UTF-8 at all. JSON values are Python objects.
"""

import base64
import json


def _cursor(value):
    """A sort cursor as the lists make them (URL-safe base64 of a JSON pair), around a hostile value."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Path segments where an id (or a cursor) belongs.
IDS = (
    "99999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "-1",
    "0",
    "%C2%B2",  # ²
    "%E2%91%A0",  # ①
    "%D9%A3",  # Arabic-Indic three
    "%EF%BC%91",  # fullwidth one
    "abc",
    "1e3",
    "%201",
    "1%00",
)

# Text in queries, forms and path segments that take text.
TEXT = (
    "%00",
    "a%00b",
    "%01%08%1B%5B31m%7F",
    "%C2%85%C2%9B",  # C1 controls
    "%ED%A0%80",  # a lone surrogate, encoded as UTF-8 would if it could
    "%FF%FE%FD",  # not UTF-8 at all
    "%E2%80%AEtxt.exe",  # right-to-left override
    "%E2%80%8B%EF%BB%BF",  # zero-width space, byte-order mark
    "x" * 5000,
    "%25_%5C",  # % _ \ (LIKE wildcards and escape)
    "%27%22%3B--",  # quotes, comment
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "..%2F..%2Fetc%2Fpasswd",
    "%7B%7B7*7%7D%7D",
    "%0D%0ASet-Cookie:%20x=y",
)

# Values for parameters that take one of a few words (status, scope, sort, direction, decision, export type).
ENUMS = ("bogus", "ACTIVE", "active%00", "-1", "99999999999999999999", "%C2%B2", "", "__class__")

# Cursors (``after``) beyond the plain id forms above.
CURSORS = (
    "!!!",
    "eyJ",
    _cursor(["\u0000", 1]),
    _cursor(["9" * 400, 1]),
    _cursor([float("inf"), 1]),
    _cursor([2**80, 2**80]),
    _cursor(["x", "1"]),
    _cursor({"a": 1}),
    _cursor([None, None]),
    base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode(),
)

# Values sent in JSON bodies (the API).
JSON_VALUES = (
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff tail",
    "\u009b",
    "\u202etxt.exe",
    "x" * 20000,
    2**80,
    -(2**63),
    1e308,
    -0.0,
    True,
    None,
    [],
    {},
    {"$gt": ""},
    [1, [2, [3]]],
)

# Whole JSON bodies that are not what any operation takes.
JSON_BODIES = (
    '{"a": ' * 2000 + "1" + "}" * 2000,  # nesting deeper than the parser's recursion limit
    "[]",
    "null",
    '"text"',
    "1e999",
    '{"name": "\\ud800"}',
    '{"name": "x", "name": "y"}',
    "{bad json",
    "\xff\xfe",
)

# Header sets: each one is a request of its own.
HEADERS = (
    {"HX-Request": "true", "HX-Current-URL": "http://[", "HX-Target": "\x7f", "HX-Trigger": "%00"},
    {"HX-Request": "true", "HX-Current-URL": "javascript:alert(1)", "HX-Trigger-Name": "x" * 3000},
    {"HX-Request": "true", "HX-Boosted": "true", "HX-Current-URL": "https://host:99999999/x"},
    {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Current-URL": "//evil.example/%00"},
    {"HX-Request": "\x00", "HX-Prompt": "%ED%A0%80"},
    {"Referer": "https://localhost:5056.evil/"},
    {"Referer": "http://["},
    {"X-Forwarded-For": "999.999.999.999, ,,", "X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "evil.example:99999"},
    {"X-Forwarded-For": "\x00", "X-Forwarded-Host": "[", "X-Forwarded-Port": "-1", "X-Forwarded-Prefix": "/../"},
    {"Host": "evil.example"},
    {"Host": "[::1"},
    {"Host": "localhost:99999999"},
    {"X-Request-ID": "\x01" + "a" * 500},
    {"Accept": "application/json;q=abc", "Accept-Language": "xx;q=-1", "Accept-Encoding": "\x00"},
    {"If-Modified-Since": "not a date", "If-None-Match": '"x', "Range": "bytes=-99999999999999999999999"},
    {"Authorization": "Bearer \x7fbad"},
    {"Authorization": "Basic %%%"},
    {"Cookie": "hyperdesk_session=%00garbage; x=\x01"},
)

# Bodies sent with a wrong or broken content type (to every route that takes a body).
CONTENT_TYPES = (
    ("application/json", '{"name": "\\u0000"}'),
    ("application/json", "{bad json"),
    ("text/plain", "name=x"),
    ("multipart/form-data", "no boundary"),
    ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a\r\n\r\nbroken'),
    ("application/x-www-form-urlencoded; charset=klingon", "name=%FF"),
    ("application/x-www-form-urlencoded", "%%%=%%%&name"),
    ("application/xml", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"),
)

# Query parameters any page, the API or the back office may read; each probe fills them all.
QUERY_NAMES = (
    "q",
    "after",
    "sort",
    "scope",
    "limit",
    "next",
    "page",
    "page_size",
    "search",
    "desc",
    "id",
    "url",
    "status",
    "due_from",
    "due_to",
    "name",
    "query",
    "offset",
    "error",
    "state",
    "code",
    "token",
    "format",
)
