"""Operator and CI scripts; the Python ones run as modules (``python -m scripts.rehearsal``)."""
