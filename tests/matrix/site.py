"""Who may open and accept an invitation link (the back-office pages are covered with the back office)."""

from . import LOGIN, REDIRECT, ROLES, Route, outcomes

ROUTES = [
    # Anyone may read what a link offers; only a signed-in pending person can use it from there.
    Route("GET", "invitations.open_link", {role: 200 for role in ROLES}, args=lambda w: {"token": w.invitation_token}),
    # Accepted (pending), or refused with a message on the status page (everyone else signed in).
    Route(
        "POST",
        "invitations.accept",
        outcomes({role: REDIRECT for role in ROLES}, anonymous=LOGIN),
        args=lambda w: {"token": w.invitation_token},
    ),
]
