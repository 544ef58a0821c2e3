"""Who may reach the project, specification and bullet item pages: only the owner, others get 404."""

from . import NOT_APPROVED, REDIRECT, Route, outcomes

ANY_APPROVED = {"user": 200, "other_user": 200, "admin": 200}
# Someone else's record is "not found", whoever asks, administrators included (they use /admin).
OWNER_ONLY = {"user": 200, "other_user": 404, "admin": 404}
OWNER_CHANGES = {"user": REDIRECT, "other_user": 404, "admin": 404}


def ids(w):
    """The world's ids, read once: after the owner deletes a row, the objects can no longer say."""
    if not hasattr(w, "ids"):
        w.ids = {"project": w.project.id, "spec": w.specification.id, "items": [item.id for item in w.items]}
    return w.ids


def _project(w):
    return {"record_id": ids(w)["project"]}


def _in_project(w):
    return {"parent_id": ids(w)["project"]}


def _spec(w):
    return {"record_id": ids(w)["spec"]}


def _in_spec(w):
    return {"parent_id": ids(w)["spec"]}


def _item(w):
    return {"record_id": ids(w)["items"][0]}


def _reads(endpoint_prefix, collection_args, member_args, root=False):
    collection = ANY_APPROVED if root else OWNER_ONLY
    return [
        Route("GET", f"{endpoint_prefix}.index", outcomes(NOT_APPROVED, **collection), args=collection_args),
        Route("GET", f"{endpoint_prefix}.new", outcomes(NOT_APPROVED, **collection), args=collection_args),
        Route("GET", f"{endpoint_prefix}.show", outcomes(NOT_APPROVED, **OWNER_ONLY), args=member_args),
        Route("GET", f"{endpoint_prefix}.edit", outcomes(NOT_APPROVED, **OWNER_ONLY), args=member_args),
        Route("GET", f"{endpoint_prefix}.confirm_delete", outcomes(NOT_APPROVED, **OWNER_ONLY), args=member_args),
    ]


def _writes(endpoint_prefix, collection_args, member_args, data, root=False):
    create = {"user": REDIRECT, "other_user": REDIRECT, "admin": REDIRECT} if root else OWNER_CHANGES
    return [
        Route("POST", f"{endpoint_prefix}.create", outcomes(NOT_APPROVED, **create), args=collection_args, data=lambda w: data),
        Route("POST", f"{endpoint_prefix}.update", outcomes(NOT_APPROVED, **OWNER_CHANGES), args=member_args, data=lambda w: data),
        Route("POST", f"{endpoint_prefix}.delete", outcomes(NOT_APPROVED, **OWNER_CHANGES), args=member_args),
    ]


ROUTES = [
    *_reads("projects", lambda w: {}, _project, root=True),
    *_writes("projects", lambda w: {}, _project, {"name": "Matrix project", "status": "active"}, root=True),
    *_reads("specifications", _in_project, _spec),
    *_writes("specifications", _in_project, _spec, {"title": "Matrix spec", "body": ""}),
    *_reads("items", _in_spec, _item),
    *_writes("items", _in_spec, _item, {"text": "Matrix item"}),
    Route("POST", "items.move", outcomes(NOT_APPROVED, **OWNER_CHANGES), args=_item, data=lambda w: {"direction": "down"}),
    Route(
        "POST",
        "items.reorder",
        outcomes(NOT_APPROVED, **OWNER_CHANGES),
        args=_in_spec,
        data=lambda w: {"ids": list(reversed(ids(w)["items"]))},
    ),
]
