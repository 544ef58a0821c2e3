"""Who may reach the operator's endpoints: health checks, the detailed health view and /metrics."""

from . import ROLES, Route, outcomes

EVERYONE_200 = {role: 200 for role in ROLES}
# Administrators, or whoever bears the metrics token (tests/test_health.py); others are refused.
ADMINS_OR_TOKEN = outcomes({role: 403 for role in ROLES}, anonymous=401, admin=200)

ROUTES = [
    Route("GET", "health.database", EVERYONE_200),
    # Redis is not configured in the matrix app: "not configured" is healthy.
    Route("GET", "health.redis", EVERYONE_200),
    Route("GET", "health.detailed", ADMINS_OR_TOKEN),
    # No METRICS_TOKEN in the matrix app: metrics are off for everyone (tests/test_metrics.py turns them on).
    Route("GET", "metrics.metrics", {role: 404 for role in ROLES}),
]
