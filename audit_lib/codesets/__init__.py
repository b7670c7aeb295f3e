"""Reference code sets, loaded from files shipped in the package (no network at run time).

Sources and licences: ``data/SOURCES.md``. :func:`versions` is recorded in every summary.
"""

from __future__ import annotations

import csv
import functools
import importlib.metadata
import importlib.resources
from collections.abc import Iterable

__all__ = [
    "icd10cm_billable_codes",
    "icd10cm_release",
    "place_of_service_codes",
    "valid_modifiers",
    "versions",
]


@functools.cache
def _read_codes(name: str) -> frozenset[str]:
    text = importlib.resources.files(__package__).joinpath("data", name).read_text("utf-8")
    return frozenset(row["code"].strip().upper() for row in csv.DictReader(text.splitlines()))


@functools.cache
def place_of_service_codes() -> frozenset[str]:
    """CMS place-of-service codes (two digits, as text)."""
    return _read_codes("place_of_service.csv")


def valid_modifiers(
    extra: Iterable[str] = (),
    *,
    hcpcs_modifiers: Iterable[str] | None = None,
    period: tuple | None = None,
) -> frozenset[str]:
    """HCPCS Level II modifiers plus CPT modifier numbers, plus any configured extras. With
    ``hcpcs_modifiers`` (those of the CMS HCPCS file the user configured, active in the
    period) the Level II list is theirs; otherwise the shipped list, each modifier counted when
    it is in effect at some time in ``period`` (start, end) by its add and termination dates
    (HCPCS changes take effect at quarter starts, so a quarter's modifiers are one list)."""
    level2 = (
        _shipped_modifiers(period)
        if hcpcs_modifiers is None
        else frozenset(m.strip().upper() for m in hcpcs_modifiers)
    )
    return level2 | _read_codes("cpt_modifier_numbers.csv") | {m.strip().upper() for m in extra}


def _shipped_modifiers(period: tuple | None) -> frozenset[str]:
    text = importlib.resources.files(__package__).joinpath("data", "hcpcs_modifiers.csv")
    rows = list(csv.DictReader(text.read_text("utf-8").splitlines()))
    if period is None:
        return frozenset(r["code"] for r in rows)
    start, end = (d.isoformat() if hasattr(d, "isoformat") else str(d) for d in period)
    return frozenset(
        r["code"]
        for r in rows
        if (not r["add_date"] or r["add_date"] <= end)
        and (not r["term_date"] or r["term_date"] >= start)
    )


def icd10cm_billable_codes(release: str | None = None) -> frozenset[str]:
    """Billable ICD-10-CM codes, without the dot, of one shipped release (default: the latest).
    Judging a claim uses the release in force on its date of service: :mod:`.icd10cm`."""
    from . import icd10cm

    return icd10cm.billable_codes(release)


def icd10cm_release() -> str:
    """The span of shipped ICD-10-CM releases, e.g. ``FY2019 to FY2026 (2018-10-01 to
    2026-09-30), by date of service``."""
    from . import icd10cm

    r = icd10cm.releases()
    return (
        f"{r[0].release} to {r[-1].release} ({r[0].first_day} to {r[-1].last_day}), "
        "by date of service"
    )


def _mce_versions() -> dict[str, str]:
    from . import mce

    return mce.version_info()


def versions() -> dict[str, dict[str, str]]:
    """Code-set versions and sources, as written to ``summary.json``."""
    return {
        "icd10cm": {
            "release": icd10cm_release(),
            "source": "audit_lib/codesets/data/icd10cm_releases.csv and icd10cm_history.csv.gz "
            "(CMS/CDC code files; each release's source in the releases file)",
        },
        "hcpcs_modifiers": {
            "release": "CMS HCPCS Level II, about CY2022 (375 modifiers), plus JZ (added "
            "2023-01-01), by add date; + CPT modifier numbers",
            "source": "audit_lib/codesets/data/hcpcs_modifiers.csv (Tuva Project copy of CMS file)",
        },
        "mce_age_lists": _mce_versions(),
        "place_of_service": {
            "release": "CMS POS code set, about 2022, plus 27 (2023) and 66 (2024)",
            "source": "audit_lib/codesets/data/place_of_service.csv",
        },
    }
