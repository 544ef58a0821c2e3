"""Pytest plugins shared by the test modules."""
