"""The review registry: one declaration per review.

Each declaration says what a review reads (its inputs: the option, the notebook parameter,
the keyword of its compute function and how each file is named in the manifest), which
notebook explains it, which suites it validates and which files it writes. The ``audit``
command's input options, the notebook parameter contract, the manifest's input list,
``audit reperform`` and the notebook tests are all derived from here, so a new review is one
declaration plus its compute code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

__all__ = ["REVIEWS", "Input", "Review", "review"]

TABLE = ".csv, .parquet or .xlsx"


@dataclass(frozen=True)
class Input:
    """One input of a review.

    ``name`` is the input's name in the manifest; an input that may be several files
    (``many``: repeated, or a folder standing for the files in it) records them as ``name``,
    ``name_2``, ... or, with ``numbered``, as ``name_1``, ``name_2``, ... ``needs`` names the
    inputs it is checked against: giving it without them is a usage error. ``table``: a
    table file (.csv, .parquet, .xlsx), checked before the notebook starts; other inputs
    (X12, FHIR) are checked by their reader."""

    name: str
    help: str
    many: bool = False  # several files: repeated, or a folder standing for its files
    repeat: bool = False  # the option may be given more than once
    numbered: bool = False
    needs: tuple[str, ...] = ()
    table: bool = True

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def param(self) -> str:
        """The notebook parameter that carries this input's path(s)."""
        return f"{self.name}_path"

    def manifest_names(self, count: int) -> list[str]:
        """The names ``count`` files of this input have in the manifest."""
        if not self.many:
            return [self.name][:count]
        first = [f"{self.name}_1"] if self.numbered else [self.name]
        return (first + [f"{self.name}_{i}" for i in range(2, count + 1)])[:count]

    def is_manifest_name(self, name: str) -> bool:
        if name == self.name:
            return True
        stem, _, n = name.rpartition("_")
        return self.many and stem == self.name and n.isdigit()


@dataclass(frozen=True)
class Review:
    """One review: its inputs (the first is the one it reviews), its compute function
    (``module:function``, taking the main input first, the others by their names, then
    ``config`` and ``out_dir``), its
    notebook and the notebook's parameters beyond the inputs, its suites and outputs."""

    name: str
    title: str
    unit: str  # what a row of the main input is, for the one-line result
    counts_key: str  # summary.json counts[...] of the main input
    compute: str
    inputs: tuple[Input, ...]
    notebook: str
    parameters: tuple[str, ...]
    suites: tuple[str, ...]
    outputs: tuple[str, ...]  # what its compute step writes (the notebook adds its HTML)
    requires: tuple[str, ...] = ()  # inputs the main input cannot be reviewed without
    requires_note: str = ""

    @property
    def main(self) -> Input:
        return self.inputs[0]

    def input(self, name: str) -> Input:
        return next(i for i in self.inputs if i.name == name)

    def notebook_parameters(self) -> set[str]:
        """Every parameter the notebook declares (its Papermill contract)."""
        return {i.param for i in self.inputs} | set(self.parameters)

    def input_of(self, manifest_name: str) -> Input | None:
        """The input a manifest entry (``claims_2``, ``remits_1``, ``mapping``) belongs to."""
        return next((i for i in self.inputs if i.is_manifest_name(manifest_name)), None)

    def compute_function(self) -> Callable[..., Any]:
        module, _, function = self.compute.partition(":")
        return getattr(import_module(module), function)


#: the GX Data Docs site and checkpoint every suite's review writes (audit_lib.gx.data_docs)
DATA_DOCS = (
    "data_docs/index.html",
    "data_docs/checkpoint.json",
    "data_docs/expectations/*.json",
    "data_docs/expectations/*.html",
    "data_docs/validations/*/*/*/*.html",
)


def x12_files(name: str, help: str) -> Input:
    """An input of X12 files read beside the claims (835s, 277CAs and 999s): several files or
    a folder, the option repeatable, numbered in the manifest from 1, checked by its reader."""
    return Input(name, help, many=True, repeat=True, numbered=True, needs=("claims",), table=False)


#: notebook parameters every review notebook takes besides its inputs
COMMON = ("period", "as_of", "out_dir", "config_path")
#: and the ones of the claims and refunds notebooks (a findings sample for testing)
TESTING = ("control_totals_path", "prior_dir", "findings_sample_size", "findings_sample_seed")

CLAIMS = Review(
    name="claims",
    title="Claims quarterly review",
    unit="lines",
    counts_key="claims",
    compute="audit_lib.runs.compute:run_claims_review",
    inputs=(
        Input(
            "claims",
            f"Claims file ({TABLE}), or X12 837 files or a folder of them (repeatable; files "
            "may also be given as arguments).",
            many=True,
            repeat=True,
            table=False,
        ),
        x12_files(
            "remits",
            "X12 835 remittance files or a folder of them (repeatable): they fill allowed, "
            "paid, adjustments and status, and are checked for balancing (CLM-AMT-03/04).",
        ),
        x12_files(
            "acknowledgements",
            "X12 277CA claim acknowledgements and 999s, or a folder of them (repeatable): the "
            "clean-claim rate is then HFMA MAP Key CL-1 on each claim's first 277CA.",
        ),
        Input(
            "control_totals",
            "CSV of control totals (input, measure, expected) to reconcile the population "
            "against (EVD-POP-01).",
            needs=("claims",),
        ),
    ),
    notebook="claims_review",
    parameters=(*COMMON, *TESTING, "profile"),
    suites=("claims",),
    outputs=(
        "findings.csv",
        "summary.json",
        "validation/claims.json",
        *DATA_DOCS,
        "workpaper.xlsx",
    ),
)

REFUNDS = Review(
    name="refunds",
    title="Overpayment and refund review",
    unit="overpayments",
    counts_key="overpayments",
    compute="audit_lib.runs.compute:run_refunds_review",
    inputs=(
        Input("overpayments", f"Overpayment log ({TABLE})."),
        Input(
            "claims",
            "Claims file, to check that refunds link to existing claims (REF-T-09).",
            needs=("overpayments",),
        ),
        Input(
            "prior_838",
            "The previous quarter's CMS-838 working copies: its run's cms838 folder, one of "
            "its workbooks, or a CSV of claim_icn (REF-CB-05).",
            many=True,
            needs=("overpayments",),
        ),
        Input(
            "control_totals",
            "CSV of control totals (input, measure, expected) to reconcile the population "
            "against (EVD-POP-01).",
            needs=("overpayments",),
        ),
        Input(
            "cms838_certification",
            "The CMS-838 certification pages as filed: provider_ptan, quarter, "
            "submitted_date, certified_by, signer_title, signed_date (REF-CB-03, REF-CB-06).",
            needs=("overpayments",),
        ),
        x12_files(
            "remits",
            "X12 835 files (or a folder) answering --claims: their CLP07 fills the CMS-838 "
            "ICN (column 3) where the log has none. Repeatable.",
        ),
    ),
    notebook="refunds_review",
    parameters=(*COMMON, *TESTING, "filing_copy_dir"),
    suites=("overpayments",),
    outputs=(
        "findings.csv",
        "summary.json",
        "validation/overpayments.json",
        *DATA_DOCS,
        "cms838/*.xlsx",  # the CMS-838 working copy of each provider number
        "workpaper.xlsx",
    ),
)

ACCESS = Review(
    name="access",
    title="HIPAA access-log review",
    unit="events",
    counts_key="access_log",
    compute="audit_lib.runs.compute:run_access_review",
    inputs=(
        Input(
            "access_log",
            f"Access log ({TABLE}) or FHIR AuditEvent file(s) (.json, .ndjson, .xml; repeatable).",
            many=True,
            repeat=True,
            table=False,
        ),
        Input("workforce", "The workforce roster.", needs=("access_log",)),
        Input("patients", "The patient index.", needs=("access_log",)),
        Input(
            "encounters",
            "Treatment relationships (without it every access lacks one: LOG-R-07).",
            needs=("access_log",),
        ),
    ),
    notebook="access_review",
    parameters=(*COMMON, "profile"),
    requires=("workforce", "patients"),
    requires_note=" (and, for LOG-R-07, --encounters)",
    suites=("access_log",),
    outputs=(
        "findings.csv",
        "summary.json",
        "validation/access_log.json",
        *DATA_DOCS,
        "cases.csv",
        "case_events.csv",
        "workpaper.xlsx",
    ),
)

#: the sampling notebook is a review of a sample: ``audit sample`` and ``audit appraise``
#: write its plan and appraisal; the notebook explains them
SAMPLING = Review(
    name="sampling",
    title="Statistical sample and appraisal",
    unit="items",
    counts_key="population",
    compute="audit_lib.runs.sample:draw_sample",
    inputs=(
        Input("population", "Claims file (unit line or claim) or overpayment log."),
        Input("results", "The workpaper with audited amounts entered (or a results CSV)."),
    ),
    notebook="sampling",
    parameters=(
        "unit",
        "design",
        "size",
        "seed",
        "strata",
        "certainty",
        "spares",
        "objective",
        "out_dir",
    ),
    suites=(),
    outputs=("sample_plan.json", "sample.csv", "sample_workpaper.xlsx"),
)

REVIEWS: dict[str, Review] = {r.name: r for r in (CLAIMS, REFUNDS, ACCESS, SAMPLING)}
#: the reviews ``audit run`` and ``run_review`` seal (the sampling notebook is run by hand)
SEALED = ("claims", "refunds", "access")


def review(name: str) -> Review:
    """The declaration of a review by name; an unknown name is a clear error."""
    from ..errors import ConfigError

    if name not in REVIEWS:
        raise ConfigError(f"unknown review {name!r}: the reviews are {', '.join(REVIEWS)}.")
    return REVIEWS[name]
