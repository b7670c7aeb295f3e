"""Loading the claims review's input: a claims table, X12 837s (with 835s), a profile-mapped
public or vendor layout, or the synthetic demo quarter; never the demo in place of a missing
input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AuditConfig
from ..errors import ConfigError
from ..tables import LoadedTable, load_table, parse_frame
from .schema import CLAIMS_SCHEMA

__all__ = ["load_claims", "load_input", "to_source_rows"]


def load_claims(path: Any = None, *, config: AuditConfig, remits: Any = None) -> LoadedTable:
    """Load claims (a CSV/Parquet/XLSX file, X12 837 files or a folder of them), or the
    synthetic demo quarter when ``path`` is None; with ``remits`` (X12 835 files), fill the
    adjudication columns from them. X12 details (files read, envelope warnings, remittance
    balancing findings) are in the table's ``x12`` attribute."""
    return load_input(path, config, remits)[0]


def load_input(path: Any, config: AuditConfig, remits: Any) -> tuple[LoadedTable, dict[str, Any]]:
    from ..paths import expand_files
    from ..tables import read_checked
    from ..x12 import importer

    x12: dict[str, Any] = {}
    if config.input_profile:
        if path is None:
            raise ConfigError("an input profile reads the files given with --claims; give them.")
        if remits is not None:
            raise ConfigError("--remits is read with X12 837 claims, not with an input profile.")
        return _load_profile(path, config), x12
    if path is None:
        if remits is not None:
            raise ConfigError(
                "remittances (--remits) were given without the claims they answer: give the "
                "837 claims or the claims table with --claims."
            )
        from .demo import generate_demo_claims

        demo = generate_demo_claims(
            period=config.period or "2026Q3", seed=config.demo_seed, n_claims=config.demo_claims
        )
        raw, source = demo.claims, f"demo:{demo.period}:seed={demo.seed}"
    elif importer.x12_source(path):
        raw, x12["claims"] = importer.read_837(path)
        names = [p.name for p in expand_files(path)]
        source = (
            "X12 837: " + ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")
        )
    elif isinstance(path, list | tuple) and len(path) > 1:
        raise ConfigError("several claims files are read only when they are X12 837 files.")
    else:
        path = path[0] if isinstance(path, list | tuple) else path
        if remits is None:
            return load_table(path, CLAIMS_SCHEMA, date_format=config.date_format), x12
        raw, source = read_checked(path, CLAIMS_SCHEMA), str(Path(path))
    if remits is not None:
        from ..x12.remit835 import adjustments_table

        remittances, found, x12["remits"] = importer.read_835(remits)
        x12["adjustments"] = adjustments_table(remittances.lines, remittances.claims)
        x12["remit_claims"] = remittances.claims
        x12["provider_adjustments"] = remittances.provider_adjustments
        raw, applied = importer.apply_remits(raw.astype("string"), remittances)
        x12["remits"].update(applied)
        x12["balance_findings"] = found
    loaded = parse_frame(raw, CLAIMS_SCHEMA, source=source, date_format=config.date_format)
    return loaded, x12


def _load_profile(path: Any, config: AuditConfig) -> LoadedTable:
    """Claims in a public or vendor layout, mapped by the configured input profile."""
    from ..errors import EmptyInputError
    from ..paths import expand_files
    from ..profiles import apply_profile, load_profile

    profile = load_profile(config.input_profile, "claims")
    files = expand_files(path)
    raw, info = apply_profile(files, profile)
    if raw.empty:
        raise EmptyInputError(
            f"{files[0].name} has no rows to review (read with the {profile.name} profile).",
            path=files[0],
        )
    missing = [c for c in CLAIMS_SCHEMA.required if c not in raw.columns]
    if missing:
        raise ConfigError(
            f"profile {profile.name!r} maps no column to the required {', '.join(missing)}: "
            "map them under [columns], or list them under [unavailable] with the reason."
        )
    source = f"{', '.join(f.name for f in files)} (profile {profile.name})"
    loaded = parse_frame(
        raw, CLAIMS_SCHEMA, source=source, date_format=profile.date_format or config.date_format
    )
    loaded.unavailable = dict(profile.unavailable)
    loaded.profile = info
    loaded.columns_found = [c for c in raw.columns if c not in profile.unavailable]
    return loaded


def to_source_rows(findings: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Findings pointing at the source file's rows (a profile may map one source row to
    several lines), in the findings' order."""
    if "_source_row" not in lines or findings.empty:
        return findings
    to_source = pd.Series(
        pd.to_numeric(lines["_source_row"]).astype("int64").to_numpy(), index=lines["_row"]
    )
    row = findings["row"].map(to_source)
    findings = findings.assign(row=row.fillna(findings["row"]).astype("int64"))
    return findings.sort_values(["rule_id", "row", "field", "detail"], kind="stable").reset_index(
        drop=True
    )
