"""US federal holidays as observed (a Saturday holiday on the Friday, a Sunday one on the
Monday), from pandas' ``USFederalHolidayCalendar``: the timely-filing roll-forward, the
after-hours rule and the demo data read the same calendar."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

__all__ = ["federal_holidays", "holidays_of_year"]


def federal_holidays(start: dt.date | str, end: dt.date | str) -> pd.DatetimeIndex:
    """Observed federal holidays from ``start`` to ``end`` inclusive."""
    from pandas.tseries.holiday import USFederalHolidayCalendar

    return USFederalHolidayCalendar().holidays(str(start), str(end))


@lru_cache(maxsize=64)
def holidays_of_year(year: int) -> frozenset[dt.date]:
    """The observed federal holidays of one calendar year, as dates."""
    return frozenset(federal_holidays(f"{year}-01-01", f"{year}-12-31").date)
