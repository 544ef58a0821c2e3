"""Who may reach the home page, health checks, sign-in and the access pages."""

from . import ADMIN_ONLY, LOGIN, REDIRECT, ROLES, Route, outcomes

EVERYONE_200 = {role: 200 for role in ROLES}
SIGNED_IN_BASE = {
    "anonymous": LOGIN,
    "pending": 200,
    "rejected": 200,
    "suspended": 200,
    "user": REDIRECT,
    "other_user": REDIRECT,
    "admin": REDIRECT,
}

ROUTES = [
    Route("GET", "main.home", EVERYONE_200),
    Route("GET", "health.liveness", EVERYONE_200),
    Route("GET", "health.readiness", EVERYONE_200),
    # Signed-in people are sent on from the sign-in page.
    Route(
        "GET",
        "auth.login",
        outcomes(
            EVERYONE_200,
            pending=REDIRECT,
            rejected=REDIRECT,
            suspended=REDIRECT,
            user=REDIRECT,
            other_user=REDIRECT,
            admin=REDIRECT,
        ),
    ),
    # Google is not configured in the matrix app.
    Route("GET", "auth.google_start", {role: 404 for role in EVERYONE_200}),
    Route(
        "GET", "auth.google_callback", {role: 404 for role in EVERYONE_200}, args=lambda w: {"error": "access_denied"}
    ),
    Route("POST", "auth.dev_login", {role: 404 for role in EVERYONE_200}, data=lambda w: {"email": "x@example.com"}),
    Route("POST", "auth.logout", {role: REDIRECT for role in EVERYONE_200}),
    Route("GET", "access.status", SIGNED_IN_BASE),
    # Pending already asked, rejected is in the cooldown, suspended cannot ask, approved need not:
    # each is sent back to the status page with the reason as a message.
    Route(
        "POST",
        "access.submit_request",
        outcomes(SIGNED_IN_BASE, pending=REDIRECT, rejected=REDIRECT, suspended=REDIRECT),
        data=lambda w: {"reason": "I need to see the project specifications."},
    ),
    # The approval queue: administrators and approvers; an auditor reads requests in the back office only.
    Route("GET", "access.queue", outcomes(ADMIN_ONLY, approver=200, auditor=403, admin=200)),
    Route(
        "POST",
        "access.decide",
        outcomes(ADMIN_ONLY, approver=REDIRECT, auditor=403, admin=REDIRECT),
        args=lambda w: {"request_id": w.access_request.id, "decision": "approve"},
    ),
    Route(
        "POST",
        "access.decide_batch",
        outcomes(ADMIN_ONLY, approver=REDIRECT, auditor=403, admin=REDIRECT),
        data=lambda w: {"decision": "approve", "ids": [w.access_request.id]},
    ),
]
