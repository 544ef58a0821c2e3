"""What passes for an e-mail address (shared by sign-in and invitations)."""

import re

# Deliberately loose: one @, something on each side, a dot in the domain. Spaces, commas,
# semicolons, angle brackets, quotes and brackets are refused: in a To: header they would
# add recipients or change the address a message goes to.
_EMAIL = re.compile(r'[^@\s,;<>()\[\]\\"]+@[^@\s,;<>()\[\]\\"]+\.[^@\s,;<>()\[\]\\"]+')


def is_email_address(text):
    """True when ``text`` looks like a single e-mail address (the provider or a mail server has the last word).

    Control and formatting characters (NUL, DEL, direction overrides) are refused too: they
    are never part of an address and would otherwise reach the database and the logs.
    """
    return len(text) <= 320 and text.isprintable() and _EMAIL.fullmatch(text) is not None
