"""Periods, dates and the type check every settings table shares."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import MISSING, fields
from typing import Any

from ..errors import ConfigError

_PERIOD = re.compile(r"^(\d{4})Q([1-4])$")


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a ``YYYYQn`` period.

    >>> parse_period("2026Q3")
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    """
    m = _PERIOD.match(str(period).strip().upper())
    if not m:
        raise ConfigError(f"period {period!r} is not a quarter like 2026Q3. Use YYYYQn.")
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = (dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)) - dt.timedelta(days=1)
    return start, end


def period_of(day: dt.date) -> str:
    """The quarter containing ``day``.

    >>> period_of(dt.date(2026, 8, 14))
    '2026Q3'
    """
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def parse_date(value: Any, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a date. Use YYYY-MM-DD.") from None


def check_types(values: dict[str, Any], path: Any, cls: Any, prefix: str = "") -> None:
    """Each setting has its default's type; a wrong one is a ConfigError naming the key."""
    where = f"config file {path}: " if path else ""
    for f in fields(cls):
        settings = ("as_of", "access", "hospital")  # checked by their own classes
        if f.name not in values or values[f.name] is None or f.name in settings:
            continue
        want = f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]
        value = values[f.name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        kind, ok = {
            dict: ("a table of days by payer type", isinstance(value, dict)),
            tuple: ("a list", isinstance(value, list | tuple)),
            int: ("a whole number", number and float(value).is_integer()),
            float: ("a number", number),
        }.get(type(want), ("text", isinstance(value, str | os.PathLike)))
        if not ok:
            example = f"[{f.name}]" if isinstance(want, dict) else f"{f.name} = {want!r}"
            raise ConfigError(
                f"{where}{prefix}{f.name} must be {kind} (e.g. {example}), got {value!r}. "
                "Fix the setting and run again."
            )
        if isinstance(want, int) and isinstance(value, float):
            values[f.name] = int(value)


def settings_of(cls: Any, raw: dict[str, Any], section: str, normalise: Any) -> Any:
    """A settings class (``[access]``, ``[hospital]``) from its TOML table: unknown keys and
    wrong types are ConfigErrors naming the key; ``normalise(key, value)`` tidies list items."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown [{section}] setting(s) {', '.join(unknown)}. "
            f"Known: {', '.join(sorted(known))}."
        )
    values = {
        k: tuple(normalise(k, x) for x in v) if isinstance(v, list) else v for k, v in raw.items()
    }
    check_types(values, None, cls, f"[{section}] ")
    return values


def construct(cls: Any, values: dict[str, Any], section: str) -> Any:
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid [{section}] settings: {exc}") from None
