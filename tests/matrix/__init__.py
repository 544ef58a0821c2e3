"""The route x role matrix: every route in ``app.url_map``, for every kind of visitor.

Each feature lists its routes in a module of this package (``ROUTES = [...]``). The test
in ``tests/test_route_matrix.py`` fails when a route exists without an expectation, so a
new route cannot ship without deciding who may reach it.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

ROLES = ("anonymous", "pending", "rejected", "suspended", "user", "other_user", "admin")

LOGIN = "login"  # redirected to the sign-in page
STATUS = "status"  # redirected to the access status page
REDIRECT = "redirect"  # some other redirect (e.g. after a form post)

# The usual answers for the three audiences of webapp/permissions.py.
NOT_APPROVED = {"anonymous": LOGIN, "pending": STATUS, "rejected": STATUS, "suspended": STATUS}
ADMIN_ONLY = {**NOT_APPROVED, "user": 403, "other_user": 403}


def outcomes(base, **per_role):
    """``base`` answers, with some roles' answers replaced; every role must be covered."""
    merged = {**base, **per_role}
    missing = set(ROLES) - set(merged)
    if missing:
        raise ValueError(f"no expectation for roles {sorted(missing)}")
    return merged


@dataclass(frozen=True)
class Route:
    """One method of one endpoint, how to call it, and what each role gets."""

    method: str
    endpoint: str
    expect: dict
    args: Callable = field(default=lambda world: {})
    data: Optional[Callable] = None
    headers: dict = field(default_factory=dict)

    @property
    def key(self):
        return (self.method, self.endpoint)

    def __str__(self):
        return f"{self.method} {self.endpoint}"
