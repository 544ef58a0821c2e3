"""What a declaration may say about its back-office page; everything left out is derived (webapp/admin/declared.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class BackOffice:
    """The back-office page of a declared resource: a menu entry under ``category`` at ``/admin/<url>``.

    Every option is optional: the list, details and export columns, the search (the same
    fields as the pages), the filters, the pickers, the sorts and the related links all come
    from the declaration. Give ``columns``, ``details`` or ``export`` (attribute names) only
    to show something else; ``options`` sets further Flask-Admin view attributes as a last
    resort (``{"can_delete": False}``). ``Resource(back_office=None)`` gives no page at all.
    """

    label: str | None = None
    url: str | None = None
    category: str = "Records"
    columns: Sequence[str] | None = None
    details: Sequence[str] | None = None
    export: Sequence[str] | None = None
    placeholder: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def label_for(self, resource: Any) -> str:
        """The menu entry and page title: ``label``, else the resource's plural with a capital."""
        return self.label or resource.plural[:1].upper() + resource.plural[1:]

    def url_for(self, resource: Any) -> str:
        """The page's path: ``/admin/<url>``, by default ``/admin/<resource name>``."""
        return f"/admin/{(self.url or resource.name).strip('/')}"
