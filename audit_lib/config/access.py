"""The access-log review's settings (``[access]`` in the TOML file)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from ..errors import ConfigError
from .values import construct, settings_of

DEFAULT_GENERIC_ACCOUNT = (
    r"(nurse|doctor|dr|md|rn|test|temp|tmp|user|admin|guest|shared|generic|student|demo|"
    r"train|training|locum|agency|float|unit)[ _.-]?\d*"
)


@dataclass(frozen=True)
class AccessSettings:
    """Settings of the HIPAA access-log review (``[access]`` in the TOML file). Thresholds are
    the rulebook's defaults (RULEBOOK 5.3, marked [K]: tune per organisation).

    Attributes:
        site_timezone: IANA zone of timestamps without an offset, and of the local clock the
            after-hours and per-day rules read.
        relationship_window_days: LOG-R-07 treatment relationship within +/- this many days.
        population_roles: roles with population-wide duties, exempt from LOG-R-07.
        deceased_roles: roles that may open a deceased patient's record (LOG-R-06).
        business_hours: LOG-R-10 local start and end hour (start inclusive, end exclusive).
        checked_shifts: shifts LOG-R-10 applies to (a user with no shift is ``day``).
        generic_account_pattern: LOG-R-08 user ids that name no person (full match, any case).
        bulk_role_percentile, bulk_user_sd, bulk_cap, bulk_floor: LOG-R-12: distinct patients
            per user per day above max(role percentile, user mean + k SD, floor), or above the cap.
        bulk_hour_floor, bulk_hour_cap: LOG-R-12 per clock hour: the same test on distinct
            patients per user per hour, with this floor and cap.
        concurrent_window_minutes, concurrent_key: LOG-R-08 concurrent sessions: one account
            used from another place and back within this many minutes (0 turns it off);
            a place is the IPv4 /16 network of ``ip_address`` (``ip_prefix``, default: sites
            differ, a workstation on wheels does not), the address (``ip``) or the
            ``workstation_id`` (``workstation``).
        bulk_export_floor, bulk_export_cap: LOG-R-12 print/export: the same test on distinct
            patients printed or exported per user per day, with this floor and cap.
        repeat_days, repeat_window_days: LOG-R-16: alerts on this many distinct days within
            the window escalate the user as one case.
        identity_resolution_min: LOG-I-05 share of log user ids that must map to the roster.
        termination_effective: LOG-R-09 ``end_of_day`` (the termination date is the last day
            worked) or ``start_of_day`` (access is revoked from 00:00 on that date).
        breach_threshold: individuals in one case that would require HHS notice (164.408).
        engine_memory_limit: DuckDB's memory limit; beyond it joins spill to a private
            temporary folder (deleted after the run), so a larger log costs time, not memory.
    """

    site_timezone: str = "America/New_York"
    relationship_window_days: int = 30
    population_roles: tuple[str, ...] = (
        "him",
        "coding",
        "billing",
        "quality",
        "roi",
        "research",
        "compliance",
        "privacy",
    )
    deceased_roles: tuple[str, ...] = ("him", "billing", "roi", "quality", "coding")
    business_hours: tuple[int, int] = (7, 19)
    checked_shifts: tuple[str, ...] = ("day",)
    generic_account_pattern: str = DEFAULT_GENERIC_ACCOUNT
    bulk_role_percentile: float = 0.99
    bulk_user_sd: float = 3.0
    bulk_cap: int = 200
    bulk_floor: int = 20
    bulk_hour_floor: int = 15
    bulk_hour_cap: int = 60
    bulk_export_floor: int = 10
    bulk_export_cap: int = 50
    concurrent_window_minutes: int = 10
    concurrent_key: str = "ip_prefix"
    repeat_days: int = 3
    repeat_window_days: int = 30
    identity_resolution_min: float = 0.99
    termination_effective: str = "end_of_day"
    breach_threshold: int = 500
    engine_memory_limit: str = "3GB"

    def __post_init__(self) -> None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.site_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"access.site_timezone {self.site_timezone!r} is not an IANA time zone "
                "(e.g. America/Chicago)."
            ) from None
        if self.concurrent_key not in ("ip_prefix", "ip", "workstation"):
            raise ConfigError(
                f"access.concurrent_key must be ip_prefix, ip or workstation, got "
                f"{self.concurrent_key!r}."
            )
        start, end = self.business_hours
        if not (0 <= start < end <= 24):
            raise ConfigError(
                f"access.business_hours must be [start, end] hours with 0 <= start < end <= 24, "
                f"got {list(self.business_hours)}."
            )
        if self.termination_effective not in ("end_of_day", "start_of_day"):
            raise ConfigError(
                "access.termination_effective must be 'end_of_day' or 'start_of_day', "
                f"got {self.termination_effective!r}."
            )
        if not 0 < self.bulk_role_percentile < 1:
            raise ConfigError("access.bulk_role_percentile must be between 0 and 1, e.g. 0.99.")
        for name in (
            "relationship_window_days",
            "bulk_cap",
            "bulk_hour_cap",
            "bulk_export_cap",
            "repeat_days",
            "breach_threshold",
        ):
            if int(getattr(self, name)) <= 0:
                raise ConfigError(f"access.{name} must be positive.")
        try:
            re.compile(self.generic_account_pattern)
        except re.error as exc:
            raise ConfigError(f"access.generic_account_pattern is not a regex: {exc}.") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> AccessSettings:
        lower = ("roles", "shifts")  # role and shift names compare in lower case
        values = settings_of(
            cls, raw, "access", lambda k, x: str(x).lower() if k.endswith(lower) else x
        )
        return construct(cls, values, "access")
