"""Ids sent by clients: ASCII digits within 64 bits are ids; anything else is a 404 or ignored, never a 500."""

import re

import pytest

from webapp.ids import MAX_ID, IdConverter, parse_id, parse_ids

HX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        ("0", None),
        ("-5", None),
        ("+5", None),
        (" 5", None),
        ("²", None),
        ("①", None),
        ("٣", None),
        ("5.0", None),
        ("", None),
        (str(MAX_ID + 1), None),
        ("9" * 40, None),
        (None, None),
        (7, None),
    ],
)
def test_parse_id_accepts_only_ascii_digits_in_range(text, expected):
    assert parse_id(text) == expected


def test_parse_ids_keeps_valid_ids_in_order_once():
    assert parse_ids(["3", "①", "1", "3", "x", "2"]) == [3, 1, 2]


@pytest.mark.parametrize("segment", ["²", "%E2%91%A0", "99999999999999999999", "9223372036854775808", "-1", "abc"])
def test_a_record_url_with_a_bad_id_is_not_found(client, approved_user, sign_in, segment):
    sign_in.as_user(approved_user)
    assert client.get(f"/projects/{segment}").status_code == 404
    assert client.get(f"/projects/{segment}/specifications/").status_code == 404


def test_a_cursor_beyond_64_bits_shows_the_first_page(client, approved_user, sign_in, make):
    sign_in.as_user(approved_user)
    make.project(approved_user, name="Kept")
    response = client.get("/projects/?after=99999999999999999999")
    assert response.status_code == 200 and "Kept" in response.get_data(as_text=True)


def test_reorder_ignores_unicode_digits_and_huge_ids(client, approved_user, sign_in, make):
    sign_in.as_user(approved_user)
    spec = make.specification(make.project(approved_user))
    one, two = make.bullet_items(spec, "one", "two")
    data = {"ids": ["①", "²", "99999999999999999999", str(two.id), str(one.id)]}
    response = client.post(f"/specifications/{spec.id}/items/order", data=data, headers=HX)
    assert response.status_code == 200
    assert [item.text for item in sorted(spec.items, key=lambda item: item.position)] == ["two", "one"]


# The route converter's pattern and parse_id must agree: a value the pattern takes and parse_id refuses
# made Werkzeug answer 405 instead of 404 for every method but GET.
@pytest.mark.parametrize(
    "value",
    [
        "0",
        "00",
        "1",
        "01",
        "0000000000000000001",
        "999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "9223372036854775799",
        "09223372036854775807",
        "99999999999999999999",
        "18446744073709551616",
    ],
)
def test_the_route_pattern_takes_exactly_the_ids_parse_id_reads(value):
    assert (re.fullmatch(IdConverter.regex, value) is not None) == (parse_id(value) is not None)
