"""Signing in and out: Google OpenID Connect, the development sign-in, and the session."""
