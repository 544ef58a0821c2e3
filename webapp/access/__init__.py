"""Asking for access, the status page, and the administrators' approval queue."""
