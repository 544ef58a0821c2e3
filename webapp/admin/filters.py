"""List filters for our column types: UTC timestamps get after / before / between filters."""

from datetime import UTC

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import filters as base_filters


def _utc(value):
    # The date picker sends naive times; every timestamp in Hyperdesk is UTC.
    return value.replace(tzinfo=UTC)


class UTCAfterFilter(sqla_filters.DateTimeGreaterFilter):
    """Rows stamped after the given UTC time."""

    def clean(self, value):
        return _utc(super().clean(value))

    def operation(self):
        return "after"


class UTCBeforeFilter(sqla_filters.DateTimeSmallerFilter):
    """Rows stamped before the given UTC time."""

    def clean(self, value):
        return _utc(super().clean(value))

    def operation(self):
        return "before"


class UTCBetweenFilter(sqla_filters.DateTimeBetweenFilter):
    """Rows stamped between two UTC times."""

    def clean(self, value):
        return [_utc(moment) for moment in super().clean(value)]


class HyperdeskFilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's converter, taught that ``UTCDateTime`` is a timestamp."""

    utc_filters = (UTCAfterFilter, UTCBeforeFilter, UTCBetweenFilter, sqla_filters.FilterEmpty)

    @base_filters.convert("UTCDateTime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return [flt(column, name, **kwargs) for flt in self.utc_filters]
