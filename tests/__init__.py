"""Hyperdesk's test suite."""
