"""The JSON API at /api/v1 for scripts and apps: the same rules as the pages, described by OpenAPI (docs/api.md).

``views.init_api`` (called by the factory) serves it; see docs/architecture.md for its modules.
"""
