"""Invitation links: what someone who opens one sees, and accepting it."""
