"""English made from declared names: "an item", "a user", where a declaration gives only the noun."""

import re

# A "u" read as "you" (user, unit, uniform) takes "a"; one read as in "umbrella" or "update" takes "an".
_YOU_SOUND = re.compile(r"u[bcdfgjklmnpqrstvwxz][aeiouy]", re.IGNORECASE)


def with_article(noun):
    """``noun`` after "a" or "an", chosen by its first letters (close to its first sound for ordinary words)."""
    first = noun[:1].lower()
    if first in ("a", "e", "i", "o") or (first == "u" and not _YOU_SOUND.match(noun)):
        return f"an {noun}"
    return f"a {noun}"
