"""Generated English: the indefinite article before a declared noun."""

import pytest

from webapp.wording import with_article


@pytest.mark.parametrize(
    "noun, phrase",
    [
        ("item", "an item"),
        ("project", "a project"),
        ("owner", "an owner"),
        ("Asset", "an Asset"),
        ("user", "a user"),
        ("unit", "a unit"),
        ("update", "an update"),
        ("umbrella", "an umbrella"),
        ("specification", "a specification"),
        ("bullet item", "a bullet item"),
    ],
)
def test_the_article_follows_the_nouns_first_sound(noun, phrase):
    assert with_article(noun) == phrase
