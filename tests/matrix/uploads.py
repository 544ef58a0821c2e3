"""Who may reach uploads: stored local images are public (unguessable names), uploading is for approved users.

Local image URLs appear on public share pages, just like Cloudinary's
delivery URLs, so anyone may fetch one whose 128-bit random name they know.
"""

from . import NOT_APPROVED, REDIRECT, ROLES, Route, outcomes

EVERYONE_404 = {role: 404 for role in ROLES}
APPROVED_422 = outcomes(NOT_APPROVED, user=422, other_user=422, admin=422)
# The demo cover page belongs to the project's owner; everyone else is told it does not exist.
OWNER_ONLY = outcomes(NOT_APPROVED, user=200, other_user=404, admin=404)

ROUTES = [
    # A well-formed name that was never stored: answered (not redirected to sign-in) for everyone.
    Route("GET", "uploads.local_file", EVERYONE_404, args=lambda w: {"name": "0" * 32 + ".png"}),
    # No file attached: approved people are asked for one, in place.
    Route("POST", "uploads.upload_image", APPROVED_422, data=lambda w: {"image_field_name": "cover"}),
    Route("GET", "uploads.cover_demo", OWNER_ONLY, args=lambda w: {"project_id": w.project.id}),
    Route(
        "POST",
        "uploads.save_cover_demo",
        {**OWNER_ONLY, "user": REDIRECT},
        args=lambda w: {"project_id": w.project.id},
        data=lambda w: {"cover": ""},
    ),
]
