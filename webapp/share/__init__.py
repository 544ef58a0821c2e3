"""Read-only share links for projects: the owner's create/revoke, and the public page."""
