"""Row counts that stay cheap on tables with millions of rows."""

from dataclasses import dataclass

from sqlalchemy import func, literal, select, text

from ..extensions import db

# Below this many rows an exact count is cheap; above it PostgreSQL's estimate is used, or
# the count stops at the cap.
EXACT_UP_TO = 100_000


@dataclass(frozen=True)
class RowCount:
    """A number of rows, and whether it is exact, an estimate, or a lower bound."""

    value: int
    kind: str = "exact"  # "exact" | "estimate" | "at_least"

    def __str__(self):
        number = f"{self.value:,}"
        return {"estimate": f"≈ {number}", "at_least": f"{number}+"}.get(self.kind, number)


def row_count(model, cap=EXACT_UP_TO):
    """How many rows ``model``'s table holds, without a full COUNT(*) over a big table."""
    estimate = _planner_estimate(model.__tablename__)
    if estimate is not None and estimate > cap:
        return RowCount(estimate, "estimate")
    capped = select(literal(1)).select_from(model.__table__).limit(cap + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(capped))
    if counted > cap:
        return RowCount(cap, "at_least")
    return RowCount(counted)


def _planner_estimate(table):
    """PostgreSQL's own idea of the table size (kept fresh by autovacuum); None elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    estimate = db.session.scalar(
        text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
    )
    # -1 means the table was never analysed: no estimate yet.
    return estimate if estimate is not None and estimate >= 0 else None
