"""The reference data a claims review reads, by date of service: the ICD-10-CM release in
force on each diagnosis's date, HCPCS/CPT add and termination dates, the Level II modifiers
active in the period, and the CMS edit tables (NCCI, MUE, MPFS bilateral indicators)
configured in ``[codesets]``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config import AuditConfig
from . import logic
from .schema import DIAGNOSIS_COLUMNS

__all__ = [
    "active_modifiers",
    "bilateral_indicators",
    "code_dates",
    "dated_diagnoses",
    "edit_tables",
    "icd10cm_used",
]


def edit_tables(config: AuditConfig):
    """The NCCI/MUE tables configured in ``[codesets] ptp`` and ``mue`` (none by default)."""
    from ..codesets.edits import load_edit_tables

    return load_edit_tables(config.ptp_files, config.mue_files)


def bilateral_indicators(config: AuditConfig):
    """The MPFS bilateral surgery indicators (``[codesets] mpfs``), or (None, None)."""
    if not config.mpfs_file:
        return None, None
    from ..codesets.mpfs import load_bilateral_indicators

    return load_bilateral_indicators(config.mpfs_file)


def active_modifiers(m: pd.DataFrame | None, start, end) -> list[str] | None:
    """The Level II modifiers of the configured HCPCS file (``m``) active at some time in the
    period (None without a file, or when the file has no modifier rows)."""
    if m is None or m.empty:
        return None
    active = (m["add_date"].isna() | (m["add_date"] <= pd.Timestamp(end))) & (
        m["term_date"].isna() | (m["term_date"] >= pd.Timestamp(start))
    )
    return m.loc[active, "code"].tolist()


def code_dates(config: AuditConfig):
    """(HCPCS codes, CPT codes, HCPCS modifiers) with add/termination dates, from the files in
    ``[codesets] hcpcs`` and ``cpt`` (None where not configured); each file read once."""
    from ..codesets.hcpcs import load_code_dates, load_hcpcs

    hcpcs, modifiers = load_hcpcs(config.hcpcs_file) if config.hcpcs_file else (None, None)
    cpt = load_code_dates(config.cpt_file, kind="cpt") if config.cpt_file else None
    return hcpcs, cpt, modifiers


def dated_diagnoses(lines: pd.DataFrame) -> pd.DataFrame:
    """The diagnoses batch with the date each is judged on and the ICD-10-CM release in force
    then (CLM-DX-02)."""
    from ..codesets import icd10cm

    dx = logic.build_long(lines, DIAGNOSIS_COLUMNS, "code")
    dates = logic.diagnosis_dates(lines)
    dx["dx_date"] = (
        pd.Series(dates.to_numpy(), index=lines["_row"].to_numpy())
        .reindex(dx["_row"].to_numpy())
        .to_numpy()
    )
    ids = np.array([r.release for r in icd10cm.releases()] + [icd10cm.OUTSIDE], dtype=object)
    dx["dx_release"] = pd.Series(ids[icd10cm.release_index(dx["dx_date"])], dtype="string")
    return dx


def icd10cm_used(diagnoses: pd.DataFrame) -> dict[str, Any]:
    """The ICD-10-CM releases the diagnoses were judged against (with their sources and how
    many diagnoses each judged) and, once, those dated outside every shipped release."""
    from ..codesets import icd10cm

    used = diagnoses["dx_release"].value_counts()
    return {
        "releases_used": [
            {**vars(r), "diagnoses_judged": int(used[r.release])}
            for r in icd10cm.releases()
            if r.release in used.index
        ],
        "outside_releases": logic.icd10cm_outside_releases(diagnoses),
    }
