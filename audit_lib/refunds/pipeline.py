"""The overpayment and refund review: the one fixed pipeline.

load -> resolve period -> derive (60-day clock, refund tests) -> GX suite -> CMS-838 ->
findings -> KPIs -> write (findings.csv, summary.json, validation/overpayments.json,
workpaper.xlsx, the CMS-838 working copies cms838/<provider number>.xlsx).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..config import AuditConfig, load_config, parse_period, period_of, with_period
from ..errors import ConfigError
from ..evidence.population import compute_control_totals
from ..findings import FINDINGS_COLUMNS, fingerprints, sort_findings
from ..outputs import (
    TableReview,
    jsonable,
    period_block,
    summarize_findings,
    write_review_files,
)
from ..rules import REFUNDS_RULES
from ..tables import load_table, parse_frame
from .cms838 import build_credit_balance_report, due_date, load_prior_icns
from .evaluate import evaluate_overpayments
from .kpis import compute_refund_kpis
from .schema import OVERPAYMENTS_SCHEMA

__all__ = ["RefundsReview", "check_filing_folder", "compute_refunds_review", "write_files"]


@dataclass(kw_only=True)
class RefundsReview(TableReview):
    """Everything one refunds review produced. ``frame`` holds raw patient ids: display it
    only through :mod:`audit_lib.reporting`."""

    frame: pd.DataFrame
    credit_balances: pd.DataFrame


def _load(
    overpayments: str | Path | None,
    claims: str | Path | None,
    config: AuditConfig,
    remits: Any = None,
):
    """The overpayment log (or the demo one), the claim ids to check links against, and the
    claims' ICN (the 835 CLP07, with ``remits``) and type of bill by claim id, for the CMS-838
    detail lines the log leaves without them."""
    if overpayments is None and claims is not None:
        raise ConfigError(
            "a claims file was given without the overpayment log it checks: give the log "
            "(--overpayments)."
        )
    if overpayments is None:
        from ..claims.demo import generate_demo_claims
        from .demo import generate_demo_overpayments

        demo_claims = generate_demo_claims(
            period=config.period or "2026Q3", seed=config.demo_seed, n_claims=config.demo_claims
        )
        demo = generate_demo_overpayments(demo_claims, seed=config.demo_seed)
        source = f"demo:{demo_claims.period}:seed={config.demo_seed}"
        loaded = parse_frame(demo.overpayments, OVERPAYMENTS_SCHEMA, source=source)
        return loaded, demo_claims.claims["claim_id"], None
    loaded = load_table(overpayments, OVERPAYMENTS_SCHEMA)
    if claims is None:
        if remits is not None:
            raise ConfigError(
                "--remits was given without --claims: give the claims the 835s answer."
            )
        return loaded, None, None
    from ..claims.load import load_input

    claim_table, _x12 = load_input(claims, config, remits)
    frame = claim_table.frame
    cols = [c for c in ("icn", "bill_type") if c in frame]
    by_claim = (
        frame.dropna(subset=["claim_id"]).groupby("claim_id", sort=False)[cols].first()
        if cols
        else None
    )
    return loaded, frame["claim_id"], by_claim


def _fill_from_claims(frame: pd.DataFrame, by_claim: pd.DataFrame | None) -> dict[str, Any]:
    """Fill the log's empty ``icn`` and ``bill_type`` from the claims (by claim id), in place;
    return how many of each were filled and from where."""
    filled: dict[str, Any] = {}
    if by_claim is None or "claim_id" not in frame:
        return filled
    for col in by_claim.columns:
        current = (
            frame[col].astype("string")
            if col in frame
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
        empty = current.isna() | current.str.strip().eq("")
        found = frame["claim_id"].map(by_claim[col].astype("string"))
        take = empty & found.notna()
        frame[col] = current.where(~take, found)
        filled[col] = int(take.sum())
    filled["source"] = (
        "the claims given with --claims, by claim_id: icn from the 835s' CLP07 (--remits), "
        "bill_type from the claims table"
    )
    return filled


def compute_refunds_review(
    overpayments: str | Path | None = None,
    *,
    config: AuditConfig | None = None,
    claims: str | Path | None = None,
    prior_838: str | Path | None = None,
    control_totals: str | Path | None = None,
    prior_dir: str | Path | None = None,
    cms838_certification: str | Path | None = None,
    filing_copy: str | Path | None = None,
    remits: Any = None,
) -> RefundsReview:
    """Compute the refunds review (:func:`audit_lib.run_refunds_review` writes it).

    Args:
        overpayments: the overpayment log (CSV, Parquet, XLSX); None runs the demo log.
        config: settings (period, as-of date, the clock's policy and the REF thresholds).
        claims: the claims file, to check that refunds link to claims that exist (REF-T-09).
        prior_838: the previous quarter's credit_balance_report.xlsx (or a CSV of claim_icn),
            for REF-CB-05.
        control_totals: CSV of expected totals (input ``overpayments``; measures rows,
            overpayment_amount, refund_amount) to reconcile against (EVD-POP-01).
        prior_dir: the previous period's refunds run, for new / recurring / resolved.
        cms838_certification: the CMS-838 certification pages as filed (provider_ptan, quarter,
            submitted_date, certified_by, signer_title, signed_date), for REF-CB-03/06.
        filing_copy: a folder outside the run folder for the CMS-838 filing copy, with the
            beneficiary names and MBIs (one workbook per provider number). Made only when
            given; ``summary.json`` and the manifest record its files' hashes, who and when.
        remits: X12 835 files answering ``claims``: their CLP07 (the Medicare ICN) fills the
            CMS-838 column 3 where the log has no ``icn``.
    """
    from ..evidence import compare, population
    from .certification import certification_findings

    config = config or load_config()
    loaded, claim_keys, by_claim = _load(overpayments, claims, config, remits)
    filled = _fill_from_claims(loaded.frame, by_claim)
    if config.period:
        period, period_source = config.period, "parameter"
    else:
        latest = loaded.frame["identified_date"].max()
        if pd.isna(latest):
            raise ConfigError("no identified_date could be parsed; pass --period YYYYQn.")
        period, period_source = period_of(latest.date()), "quarter of the latest identified_date"
    config = with_period(config, period, config.as_of or parse_period(period)[1])
    evaluation = evaluate_overpayments(
        loaded, as_of=config.as_of, config=config, claim_keys=claim_keys
    )
    prior = load_prior_icns(prior_838) if prior_838 else None
    detail, cb = build_credit_balance_report(evaluation.frame, quarter=period, prior_icns=prior)
    totals = _control_totals(evaluation.frame, loaded.rows_read)
    control = (
        population.load_control_file(control_totals, measures=AMOUNTS) if control_totals else None
    )
    reconciliation, pop = population.reconcile(
        totals, control, dataset="overpayments", tolerance=config.control_tolerance
    )
    ptans = _ptans(evaluation.frame, config)
    cert, cert_info = certification_findings(cms838_certification, quarter=period, ptans=ptans)
    extra = pd.concat([cb, pop, cert], ignore_index=True)
    extra = extra.assign(fingerprint=fingerprints(extra)).drop(columns="trigger")
    findings = sort_findings(pd.concat([evaluation.findings, extra], ignore_index=True))
    comparison = None
    if prior_dir is not None:
        comparison = compare.compare(findings, compare.load_prior_findings(prior_dir), prior_dir)
    kpis = compute_refund_kpis(evaluation.frame, as_of=config.as_of)
    review = RefundsReview(
        config=config,
        source=loaded.source,
        period_source=period_source,
        loaded=loaded,
        frame=evaluation.frame,
        findings=findings[FINDINGS_COLUMNS],
        kpis=kpis,
        validation=evaluation.validation,
        credit_balances=detail,
        control_totals=totals,
        reconciliation=reconciliation,
        comparison=comparison,
    )
    review.summary = build_summary(review)
    review.summary["credit_balance_report"]["certification"] = cert_info
    review.summary["credit_balance_report"]["filled_from_claims"] = filled or None
    if filing_copy is not None:
        review.summary["credit_balance_report"]["filing_copies"] = _filing_copies(
            review, Path(filing_copy)
        )
    return review


AMOUNTS = ("overpayment_amount", "refund_amount")


def check_filing_folder(folder: Path, out_dir: str | Path | None) -> None:
    """The filing copy carries names and MBIs: it goes outside the run folder, never in it."""
    if out_dir is None:
        return
    run, dest = Path(out_dir).resolve(), folder.resolve()
    if dest == run or run in dest.parents:
        raise ConfigError(
            f"--filing-copy {folder} is inside the run folder {out_dir}: the filing copy "
            "holds beneficiary names and MBIs and must stay out of the run and its evidence "
            "package. Give a folder outside --out."
        )


def _filing_copies(review: RefundsReview, folder: Path) -> list[dict[str, Any]]:
    """Write the filing copies; return what the run records of them (never their content)."""
    from ..evidence.manifest import sha256_file, user_name, utc_now
    from .cms838_forms import write_filing_copies

    paths = write_filing_copies(
        review.credit_balances,
        review.frame,
        quarter=review.period,
        ptans=_ptans(review.frame, review.config),
        folder=folder,
        info=review.config.cms838,
    )
    made_by, made_at = user_name(), utc_now()
    return [
        {"file": p.name, "sha256": sha256_file(p), "made_by": made_by, "made_at": made_at}
        for p in paths
    ]


def _ptans(frame: pd.DataFrame, config: AuditConfig) -> list[str]:
    """Provider numbers that owe a CMS-838: those in the overpayment log and the configured."""
    logged = frame.get("provider_ptan", pd.Series(dtype="string")).dropna().astype(str)
    return sorted({p.strip() for p in logged if p.strip()} | set(config.provider_numbers))


def _control_totals(frame: pd.DataFrame, rows_read: int) -> dict[str, Any]:
    return compute_control_totals(
        frame,
        rows_read,
        amounts_of=AMOUNTS,
        dates_of=("identified_date", "refund_date", "received_date"),
    )


def build_summary(review: RefundsReview) -> dict[str, Any]:
    f = review.findings
    rejected = sorted({int(r) for r in review.loaded.parse_errors["row"]})
    kpis = {k: v for k, v in review.kpis.items() if k != "tables"}
    cb = review.credit_balances
    c = review.config
    return {
        "review": "refunds",
        "tool": {"name": "audit-suite", "version": __version__},
        "source": review.source,
        "period": period_block(review.period, review.as_of, review.period_source),
        "parameters": c.to_dict(),
        "clock": {
            "resume": c.clock_resume,
            "meaning": "unused days of the 60 resume after a suspension"
            if c.clock_resume == "strict"
            else "a fresh 60 days runs from the end of a suspension",
            "investigation_start_within_days": c.investigation_start_within_days,
            "pre2025_investigation_days": c.pre2025_investigation_days,
        },
        "counts": {
            "overpayments": {
                "rows_read": review.loaded.rows_read,
                "rows_checked": len(review.frame),
                "rows_rejected": len(rejected),
                "rejected_rows": rejected,
                "rows_with_findings": int(f.loc[f["row"] > 0, "row"].nunique()),
            }
        },
        "findings": summarize_findings(f, REFUNDS_RULES),
        "kpis": kpis,
        "kpi_tables": jsonable(
            {k: v for k, v in review.kpis["tables"].items() if k != "days_to_return"}
        ),
        "credit_balance_report": {
            "quarter": review.period,
            "due_date": f"{due_date(review.period):%Y-%m-%d}",
            "rows": len(cb),
            "credit_balances": round(float(cb["credit_balance"].sum()), 2),
            "repaid_with_report": round(float(cb["repaid_with_report"].sum()), 2),
        },
        "control_totals": {"overpayments": review.control_totals},
        "reconciliation": review.reconciliation,
        "quarter_over_quarter": None
        if review.comparison is None
        else {"prior": review.comparison["prior"], **review.comparison["counts"]},
    }


def write_files(review: RefundsReview, out_dir: Path) -> None:
    """The review's data files and the CMS-838 working copies; the workpaper is the
    reporting layer's."""
    from .cms838_forms import write_working_copies

    paths = write_review_files(
        out_dir,
        findings=review.findings,
        summary=review.summary,
        suite="overpayments",
        validation=review.validation,
    )
    ptans = _ptans(review.frame, review.config)
    working = write_working_copies(
        review.credit_balances,
        quarter=review.period,
        ptans=list(ptans),
        folder=out_dir / "cms838",
        info=review.config.cms838,
    )
    if review.comparison is not None:
        from ..evidence.compare import write_comparison

        write_comparison(review.findings, review.comparison, out_dir / "comparison.csv")
    review.outputs = {k: str(v) for k, v in paths.items()}
    review.outputs.update({f"cms838/{p.name}": str(p) for p in working})
