"""The claims quarterly review: the one fixed pipeline.

load -> resolve period -> derive columns -> validate the GX suite -> findings -> KPIs -> write.
Reporting reads the :class:`ClaimsReview` and never recomputes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import codesets
from .._version import __version__
from ..config import AuditConfig, load_config, parse_period, period_of, with_period
from ..errors import ConfigError
from ..findings import combine, parse_error_findings
from ..outputs import (
    TableReview,
    jsonable,
    period_block,
    summarize_findings,
    write_review_files,
)
from ..rules import CLAIMS_RULES
from ..tables import LoadedTable
from . import logic, reference
from .institutional import institutional_batch
from .kpis import compute_kpis, remittance_kpis
from .load import load_claims, load_input, to_source_rows
from .schema import CLAIMS_SCHEMA, MODIFIER_COLUMNS

__all__ = ["ClaimsReview", "compute_claims_review", "load_claims", "write_files"]

# columns handed to Great Expectations (it hashes whatever it is given)
_GX_LINE_COLUMNS = [
    "_row",
    *CLAIMS_SCHEMA.required,
    "rendering_npi",
    "diagnosis_1",
    "place_of_service",
    "service_date_to",
    "patient_dob",
    "patient_death_date",
    "allowed_amount",
    "paid_amount",
    "_key_repeat",
    "_dx_repeats_first",
    "_procedure_missing",
    "_service_end",
    "_tf01_deadline",
    "_tf02_deadline",
    "_paid_amount_cents",
    "_allowed_amount_cents",
    "_allowed_cents_tol",
    "_billed_cents_tol",
    "_dup_exact",
    "_dup_suspect",
]


@dataclass(kw_only=True)
class ClaimsReview(TableReview):
    """Everything one review produced. ``lines`` holds raw protected values: display it only
    through :mod:`audit_lib.reporting`, which masks them."""

    lines: pd.DataFrame


def _parse_findings(loaded: LoadedTable, lines: pd.DataFrame) -> pd.DataFrame:
    return parse_error_findings(loaded.parse_errors, lines, prefix="CLM", dataset="claims")


def combine_findings(parse_findings: pd.DataFrame, rule_findings: pd.DataFrame) -> pd.DataFrame:
    """All claims findings in order; an unparseable required value is CLM-PARSE-01 only."""
    return combine(parse_findings, rule_findings, prefix="CLM")


def _resolve_period(config: AuditConfig, loaded: LoadedTable) -> tuple[AuditConfig, str]:
    if config.period:
        source = "parameter"
        period = config.period
    else:
        latest = loaded.frame["service_date"].max()
        if pd.isna(latest):
            raise ConfigError(
                f"{Path(loaded.source).name}: no service_date could be parsed, so the period "
                "cannot be inferred. Pass --period YYYYQn."
            )
        period = period_of(latest.date())
        source = "quarter of the latest service date"
    as_of = config.as_of or parse_period(period)[1]
    return with_period(config, period, as_of), source


def prepare_batches(
    loaded: LoadedTable, config: AuditConfig, code_dates: tuple | None = None
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, Any], dict[str, str]]:
    """Derived columns, the four batches, suite parameters and message parameters.
    ``code_dates`` is :func:`reference.code_dates` of ``config`` when the caller has read it
    already."""
    lines = logic.build_claim_lines(loaded.frame, config)
    batches = {
        "claim_lines": lines[[c for c in dict.fromkeys(_GX_LINE_COLUMNS) if c in lines]],
        "diagnoses": reference.dated_diagnoses(lines),
        "modifiers": logic.build_long(lines, MODIFIER_COLUMNS, "modifier"),
        # the hospital rules see the institutional lines only (a tenth of the demo's)
        "institutional_lines": institutional_batch(lines),
    }
    start, end = parse_period(config.period or "")
    params = {
        "as_of": pd.Timestamp(config.as_of),
        "period_start": pd.Timestamp(start),
        "period_end": pd.Timestamp(end),
        "valid_modifiers": sorted(
            codesets.valid_modifiers(
                config.extra_modifiers,
                hcpcs_modifiers=reference.active_modifiers(
                    (code_dates or reference.code_dates(config))[2], start, end
                ),
                period=(start, end),
            )
        ),
        "place_of_service_codes": sorted(codesets.place_of_service_codes()),
    }
    display_params = {
        "as_of": config.as_of.isoformat() if config.as_of else "",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "amount_tolerance": f"${config.amount_tolerance:.2f}",
    }
    return lines, batches, params, display_params


def _note(progress: Callable[[str], None] | None, message: str) -> None:
    if progress:
        progress(message)


def compute_claims_review(
    claims: str | Path | None = None,
    *,
    config: AuditConfig | None = None,
    progress: Callable[[str], None] | None = None,
    control_totals: str | Path | None = None,
    prior_dir: str | Path | None = None,
    remits: Any = None,
    acknowledgements: Any = None,
) -> ClaimsReview:
    """Compute the claims review: findings, KPIs, validation results and the summary.
    :func:`audit_lib.run_claims_review` writes them (and the workpaper) into a folder.

    Args:
        claims: a claims file (CSV, Parquet, XLSX); None runs the synthetic demo quarter.
        config: settings; the period and as-of date are resolved here when unset.
        progress: called with a short message before each long step.
        control_totals: optional CSV of expected totals (input, measure, expected) to
            reconcile the population against (EVD-POP-01).
        prior_dir: the previous period's run folder, to classify findings new, recurring or
            resolved.
        remits: X12 835 files (or a folder): their adjudication fills the claim lines, and
            their balancing is checked (CLM-AMT-03, CLM-AMT-04).
        acknowledgements: X12 277CA and 999 files (or a folder): the clean-claim rate is then
            HFMA MAP Key CL-1 on each claim's first 277CA (:mod:`.first_pass`), not the proxy.
    """
    from ..evidence import compare, population
    from ..gx import claims_suite

    config = config or load_config()
    _note(progress, "loading claims")
    loaded, x12 = load_input(claims, config, remits)
    config, period_source = _resolve_period(config, loaded)
    _note(progress, f"deriving columns for {loaded.rows_read:,} lines")
    code_dates = reference.code_dates(config)
    lines, batches, params, display_params = prepare_batches(loaded, config, code_dates)
    _note(progress, "validating the Great Expectations suite")
    redacted = claims_suite.redact_results(claims_suite.validate(batches, params))
    gx_findings = claims_suite.findings_from_results(redacted, batches, lines, display_params)
    totals = population.compute_control_totals(lines, loaded.rows_read)
    control = population.load_control_file(control_totals) if control_totals else None
    reconciliation, control_findings = population.reconcile(
        totals, control, dataset="claims", tolerance=config.control_tolerance
    )
    remit_findings = x12.get("balance_findings", pd.DataFrame())
    _note(progress, "applying the CMS edit tables (NCCI, MUE)")
    tables = reference.edit_tables(config)
    from .edits import edit_findings, px02_findings
    from .modifier_rules import (
        age_findings,
        bilateral_findings,
        modifier_25_rates,
        modifier_findings,
    )

    hcpcs, cpt, hcpcs_modifiers = code_dates
    age_found, age_stats = age_findings(lines)
    rate_found, mod25_rates = modifier_25_rates(
        lines,
        sd=config.mod25_outlier_sd,
        min_em_lines=config.mod25_min_em_lines,
        alpha=config.mod25_alpha,
    )
    mpfs, mpfs_info = reference.bilateral_indicators(config)
    bilateral_found, bilateral_stats = bilateral_findings(
        lines, mpfs, config.bilateral_50_payer_types
    )
    from .drg import drg_findings

    drg_found, drg_stats = drg_findings(lines, config.hospital.poa_exempt_npis)
    from .hospital_stays import hospital_findings

    stay_found, stay_stats = hospital_findings(lines, config.hospital)

    findings = combine_findings(
        _parse_findings(loaded, lines),
        pd.concat(
            [
                gx_findings,
                control_findings,
                remit_findings,
                edit_findings(lines, tables),
                px02_findings(lines, hcpcs=hcpcs, cpt=cpt),
                modifier_findings(lines),
                age_found,
                rate_found,
                bilateral_found,
                drg_found,
                stay_found,
            ],
            ignore_index=True,
        ),
    )
    from .inputs import not_evaluated, without_not_evaluated

    skipped = not_evaluated(loaded.columns_found, loaded.unavailable, CLAIMS_SCHEMA.required)
    findings = to_source_rows(without_not_evaluated(findings, skipped), lines)
    comparison = None
    if prior_dir is not None:
        prior = compare.load_prior_findings(prior_dir)
        comparison = compare.compare(findings, prior, prior_dir)
    acks = None
    if acknowledgements is not None:
        from ..x12.acks import read_acknowledgements

        _note(progress, "reading the 277CA/999 acknowledgements")
        statuses, sets, ack_info = read_acknowledgements(acknowledgements)
        acks = (statuses, sets)
    _note(progress, "computing KPIs")
    kpis = compute_kpis(
        lines,
        findings,
        period=parse_period(config.period),
        as_of=config.as_of,
        remit_adjustments=x12.get("adjustments"),
        acknowledgements=acks,
    )
    kpis["tables"]["modifier_25_rates"] = mod25_rates
    if "adjustments" in x12:
        remit = remittance_kpis(
            x12["adjustments"], x12["remit_claims"], x12.get("provider_adjustments")
        )
        kpis["tables"]["remit_adjustments_by_carc"] = remit.pop("table")
        kpis["tables"]["remit_provider_adjustments"] = remit.pop("provider_table")
        kpis["remittance"] = remit
    review = ClaimsReview(
        config=config,
        source=loaded.source,
        period_source=period_source,
        loaded=loaded,
        lines=lines,
        findings=findings,
        kpis=kpis,
        validation=redacted,
        control_totals=totals,
        reconciliation=reconciliation,
        comparison=comparison,
    )
    review.summary = build_summary(review)
    review.summary["not_evaluated"] = skipped
    review.summary["drg"] = drg_stats
    review.summary["hospital_stays"] = stay_stats
    from .hospital_kpis import hospital_kpis

    review.summary["hospital"] = hospital_kpis(lines, drg_stats)
    if acks is not None:
        review.summary["acknowledgements"] = ack_info
    review.summary["input_profile"] = loaded.profile
    internal = ("balance_findings", "adjustments", "remit_claims", "provider_adjustments")
    review.summary["x12"] = {k: v for k, v in x12.items() if k not in internal} or None
    review.summary["codesets"]["icd10cm"].update(reference.icd10cm_used(batches["diagnoses"]))
    mods = reference.active_modifiers(hcpcs_modifiers, *parse_period(config.period or ""))
    if mods is not None:
        review.summary["codesets"]["hcpcs_modifiers"] = {
            "release": f"the configured CMS HCPCS file: {len(mods)} Level II modifiers active "
            "in the period, plus CPT modifier numbers",
            "source": Path(config.hcpcs_file).name,
        }
    review.summary["edit_tables"] = {
        "files": tables.files + ([mpfs_info] if mpfs_info else []),
        "evaluated": {
            "CLM-NCCI-01": not tables.ptp.empty,
            "CLM-MUE-01/02/03": not tables.mue.empty,
            "CLM-PX-02": {
                "hcpcs": config.hcpcs_file is not None,
                "cpt": config.cpt_file is not None,
            },
            "CLM-DX-05": age_stats,
            "CLM-MOD-50/LTRT MPFS bilateral indicator": bilateral_stats,
        },
        "note": "NCCI, MUE and the MPFS bilateral indicators are evaluated with the CMS files "
        "configured in [codesets] ptp, mue and mpfs (CPT content is AMA-licensed: none ship "
        "with the package; hand-made demo tables in the same layouts are in "
        "audit_lib/codesets/data)",
    }
    return review


def build_summary(review: ClaimsReview) -> dict[str, Any]:
    """The ``summary.json`` document. Deterministic: no clock time, no machine names."""
    f = review.findings
    rejected = sorted(
        set(to_source_rows(review.loaded.parse_errors.assign(rule_id="", field="", detail=""),
                            review.lines)["row"].astype(int))
    )  # fmt: skip
    kpis = {k: v for k, v in review.kpis.items() if k != "tables"}
    return {
        "review": "claims",
        "tool": {"name": "audit-suite", "version": __version__},
        "source": review.source,
        "period": period_block(review.period, review.as_of, review.period_source),
        "parameters": review.config.to_dict(),
        "counts": {
            "claims": {
                "rows_read": review.loaded.rows_read,
                "rows_checked": len(review.lines),
                "rows_rejected": len(rejected),
                "rejected_rows": rejected,
                "rejected_meaning": "rows with at least one unparseable value (CLM-PARSE-01); "
                "they are still checked by every rule whose values parsed",
                "rows_with_findings": int(f["row"].nunique()),
                "claims_read": kpis["claims_read"],
                **{
                    f"{c}_total": round(float(review.lines[c].sum()), 2)
                    for c in ("billed_amount", "allowed_amount", "paid_amount")
                    if c in review.lines
                },
            }
        },
        "findings": summarize_findings(f, CLAIMS_RULES),
        "kpis": kpis,
        "kpi_tables": jsonable(review.kpis["tables"]),
        "control_totals": {"claims": review.control_totals},
        "reconciliation": review.reconciliation,
        "quarter_over_quarter": None
        if review.comparison is None
        else {"prior": review.comparison["prior"], **review.comparison["counts"]},
        "codesets": codesets.versions(),
        "suite": {
            "name": "claims",
            "expectations": sum(len(b["results"]) for b in review.validation.values()),
            "great_expectations": _gx_version(),
        },
    }


def _gx_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("great-expectations")


def write_files(review: ClaimsReview, out_dir: Path) -> None:
    """The review's data files (findings, summary, validation results, the comparison);
    the workpaper is the reporting layer's."""
    paths = write_review_files(
        out_dir,
        findings=review.findings,
        summary=review.summary,
        suite="claims",
        validation=review.validation,
        meta={"great_expectations_version": _gx_version()},
    )
    if review.comparison is not None:
        from ..evidence.compare import write_comparison

        write_comparison(review.findings, review.comparison, out_dir / "comparison.csv")
    review.outputs = {k: str(v) for k, v in paths.items()}
