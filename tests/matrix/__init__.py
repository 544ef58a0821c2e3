"""The route x role matrix: every route in ``app.url_map``, for every kind of visitor.

Each feature lists its routes in a module of this package (``ROUTES = [...]``). The test
in ``tests/test_route_matrix.py`` fails when a route exists without an expectation, so a
new route cannot ship without deciding who may reach it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# Approvers and auditors are approved people who own nothing: a route that does not name them
# answers them as it answers other_user (see ``outcomes``). The admin comes last: their POSTs
# may change the records the others were asked about.
ROLES = ("anonymous", "pending", "rejected", "suspended", "user", "other_user", "approver", "auditor", "admin")
STAFF = ("approver", "auditor")

LOGIN = "login"  # redirected to the sign-in page
STATUS = "status"  # redirected to the access status page
REDIRECT = "redirect"  # some other redirect (e.g. after a form post)

# The usual answers for the three audiences of webapp/permissions.py.
NOT_APPROVED = {"anonymous": LOGIN, "pending": STATUS, "rejected": STATUS, "suspended": STATUS}
ADMIN_ONLY = {**NOT_APPROVED, "user": 403, "other_user": 403}


def with_staff(expect):
    """``expect`` with approver and auditor answered as other_user wherever the route does not name them."""
    if "other_user" not in expect:
        return dict(expect)
    return {**{role: expect["other_user"] for role in STAFF}, **expect}


def outcomes(base, **per_role):
    """``base`` answers, with some roles' answers replaced; every role must be covered."""
    merged = {**base, **per_role}
    if "other_user" in per_role:
        merged.update({role: per_role["other_user"] for role in STAFF if role not in per_role})
    merged = with_staff(merged)
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
    data: Callable | None = None
    headers: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "expect", with_staff(self.expect))

    @property
    def key(self):
        return (self.method, self.endpoint)

    def __str__(self):
        return f"{self.method} {self.endpoint}"
