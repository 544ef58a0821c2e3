"""Who may see and change their settings: every approved user, each their own."""

from . import NOT_APPROVED, REDIRECT, Route, outcomes

ROUTES = [
    Route("GET", "settings.edit", outcomes(NOT_APPROVED, user=200, other_user=200, admin=200)),
    Route(
        "POST",
        "settings.update",
        outcomes(NOT_APPROVED, user=REDIRECT, other_user=REDIRECT, admin=REDIRECT),
        data=lambda w: {"page_size": "50", "theme": "dark"},
    ),
    Route(
        "POST",
        "settings.update_time_zone",
        outcomes(NOT_APPROVED, user=REDIRECT, other_user=REDIRECT, admin=REDIRECT),
        data=lambda w: {"time_zone": "Europe/Paris"},
    ),
    Route("POST", "settings.reset", outcomes(NOT_APPROVED, user=REDIRECT, other_user=REDIRECT, admin=REDIRECT)),
    # Each person ends only their own other sessions (there is no id to name anyone else's).
    Route(
        "POST",
        "settings.end_other_sessions",
        outcomes(NOT_APPROVED, user=REDIRECT, other_user=REDIRECT, admin=REDIRECT),
    ),
]
