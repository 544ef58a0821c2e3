"""The app's list URLs the workloads use, including the keyset cursor 10,000 rows deep."""

from sqlalchemy import create_engine, text

from .seed import SEARCH_TERM

DEPTH = 10_000


def list_paths(url, facts):
    """Paths for the user's list and search, and the administrator's everyone's list, search and deep page."""
    engine = create_engine(url)
    with engine.connect() as connection:
        cursor = connection.execute(
            text("SELECT id FROM project ORDER BY id DESC LIMIT 1 OFFSET :depth"), {"depth": DEPTH - 1}
        ).scalar()
    engine.dispose()
    return {
        "list": "/projects/",
        "search": f"/projects/?q={SEARCH_TERM}",
        "all": "/projects/?scope=all",
        "all_search": f"/projects/?scope=all&q={SEARCH_TERM}",
        # Rows older than the 10,000th newest: what "Load more" reaches after 400 pages.
        "all_deep": f"/projects/?scope=all&after={cursor}" if cursor else "/projects/?scope=all",
        # The back office's page 400 as its pager's "next" link reaches it (after the 10,000th newest id).
        "admin_deep": f"/admin/projects/?page={DEPTH // 25}&after={cursor}" if cursor else "/admin/projects/",
        "api_list": "/api/v1/projects",
        "api_search": f"/api/v1/projects?q={SEARCH_TERM}",
        "api_all_deep": f"/api/v1/projects?scope=all&after={cursor}" if cursor else "/api/v1/projects?scope=all",
    }
