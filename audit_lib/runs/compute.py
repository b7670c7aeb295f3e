"""Compute a review and write its outputs: the step the review notebooks and ``audit
reperform`` call. Reviews compute; reporting renders the workpaper; this layer joins them.

A folder holding a sealed run (``manifest.json``) is never written into: its seal and its
sign-offs would be voided. :func:`audit_lib.runs.run_review` seals a new run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["check_unsealed", "run_access_review", "run_claims_review", "run_refunds_review"]


def check_unsealed(out_dir: str | Path | None) -> Path | None:
    """``out_dir`` as a path, refused when it holds a sealed run."""
    if out_dir is None:
        return None
    from ..evidence.manifest import MANIFEST

    out = Path(out_dir)
    if (out / MANIFEST).is_file():
        raise ConfigError(
            f"{out} holds a sealed run ({MANIFEST}): writing into it would void its seal and "
            "its sign-offs. Give another folder, or seal a new run with audit_lib.run_review "
            "(or the audit command), which replaces a sealed run only once the new one is sealed."
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def _compute_and_write(compute, write_files, write_workpaper, main, out_dir, kw, suite) -> Any:
    """The review computed, then (with ``out_dir``) its data files, its suite's Data Docs and
    its workpaper written."""
    out = check_unsealed(out_dir)
    review = compute(main, **kw)
    if out is not None:
        from ..gx.data_docs import write_data_docs

        if kw.get("progress"):
            kw["progress"]("writing findings, summary, validation results and workpaper")
        write_files(review, out)
        docs = write_data_docs(
            out, suite, review.validation, run_name=review.period, as_of=review.as_of
        )
        review.outputs.update({name: str(path) for name, path in docs.items()})
        write_workpaper(review, out / "workpaper.xlsx")
        review.outputs["workpaper.xlsx"] = str(out / "workpaper.xlsx")
    return review


def run_claims_review(claims: Any = None, *, out_dir: str | Path | None = None, **kw: Any):
    """:func:`audit_lib.claims.pipeline.compute_claims_review`, its data files and workpaper
    written into ``out_dir`` when given (never a sealed run's folder). Returns the review."""
    from ..claims.pipeline import compute_claims_review, write_files
    from ..reporting.workpaper import write_workpaper

    return _compute_and_write(
        compute_claims_review, write_files, write_workpaper, claims, out_dir, kw, "claims"
    )


def run_refunds_review(overpayments: Any = None, *, out_dir: str | Path | None = None, **kw: Any):
    """:func:`audit_lib.refunds.pipeline.compute_refunds_review`, written into ``out_dir``
    when given; the CMS-838 filing copy (``filing_copy``) must lie outside it."""
    from ..refunds.pipeline import check_filing_folder, compute_refunds_review, write_files
    from ..reporting.refunds_workpaper import write_refunds_workpaper

    if kw.get("filing_copy") is not None:
        check_filing_folder(Path(kw["filing_copy"]), out_dir)
    return _compute_and_write(
        compute_refunds_review,
        write_files,
        write_refunds_workpaper,
        overpayments,
        out_dir,
        kw,
        "overpayments",
    )


def run_access_review(access_log: Any = None, *, out_dir: str | Path | None = None, **kw: Any):
    """:func:`audit_lib.access.pipeline.compute_access_review`, written into ``out_dir``
    when given."""
    from ..access.pipeline import compute_access_review, write_files
    from ..reporting.access_workpaper import write_access_workpaper

    return _compute_and_write(
        compute_access_review,
        write_files,
        write_access_workpaper,
        access_log,
        out_dir,
        kw,
        "access_log",
    )
