"""Reference code sets, loaded from files shipped in the package (no network at run time).

Sources and licences: ``data/SOURCES.md``. :func:`versions` is recorded in every summary.
"""

from __future__ import annotations

import csv
import functools
import importlib.metadata
import importlib.resources
import re
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
    extra: Iterable[str] = (), *, hcpcs_modifiers: Iterable[str] | None = None
) -> frozenset[str]:
    """HCPCS Level II modifiers plus CPT modifier numbers, plus any configured extras. With
    ``hcpcs_modifiers`` (those of the CMS HCPCS file the user configured, active in the
    period) the Level II list is theirs instead of the shipped CY2022 one."""
    level2 = (
        _read_codes("hcpcs_modifiers.csv")
        if hcpcs_modifiers is None
        else frozenset(m.strip().upper() for m in hcpcs_modifiers)
    )
    return level2 | _read_codes("cpt_modifier_numbers.csv") | {m.strip().upper() for m in extra}


@functools.cache
def _icd10cm():
    import warnings

    with warnings.catch_warnings():  # the package uses a deprecated importlib.resources call
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm  # loads its data on import: keep it lazy
    return cm


@functools.cache
def icd10cm_billable_codes() -> frozenset[str]:
    """Billable (leaf) ICD-10-CM codes, without the dot, from ``simple-icd-10-cm``."""
    cm = _icd10cm()
    return frozenset(c for c in cm.get_all_codes(with_dots=False) if cm.is_leaf(c))


@functools.cache
def icd10cm_release() -> str:
    """The ICD-10-CM release the package ships, read from its data file name."""
    data = importlib.resources.files(_icd10cm()).joinpath("data")
    names = sorted(p.name for p in data.iterdir() if p.name.startswith("code-list-"))
    m = re.match(r"code-list-(\w+)-(\d{4})\.txt", names[-1]) if names else None
    return f"{m.group(1)} {m.group(2)}" if m else "unknown"


def _mce_versions() -> dict[str, str]:
    from . import mce

    return mce.version_info()


def versions() -> dict[str, dict[str, str]]:
    """Code-set versions and sources, as written to ``summary.json``."""
    return {
        "icd10cm": {
            "release": icd10cm_release(),
            "package": f"simple-icd-10-cm {importlib.metadata.version('simple-icd-10-cm')}",
            "source": "CMS/CDC ICD-10-CM code list and tabular (shipped in the package)",
        },
        "hcpcs_modifiers": {
            "release": "CMS HCPCS Level II, about CY2022 (375 modifiers) + CPT modifier numbers",
            "source": "audit_lib/codesets/data/hcpcs_modifiers.csv (Tuva Project copy of CMS file)",
        },
        "mce_age_lists": _mce_versions(),
        "place_of_service": {
            "release": "CMS POS code set, about 2022, plus 27 (2023) and 66 (2024)",
            "source": "audit_lib/codesets/data/place_of_service.csv",
        },
    }
