"""Checks (data) -> the Great Expectations suite of a dataset, and the suite JSON as committed
(``expectations/<name>.json``, shipped with the package): built, written and checked here.

The suite is built from a list of checks, one expectation each; ``meta`` carries the rule id,
batch, field, plain-language detail and fingerprint trigger, so the JSON suite alone says what
every rule checks. Suite parameters (``$PARAMETER``) keep run values out of it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..checks import Check
from ..errors import AuditError, SuiteOutOfDateError
from ..rules import Rule

__all__ = [
    "GX_SEVERITY",
    "SuiteSpec",
    "build_suite",
    "check_suite",
    "gx_module",
    "suite_json",
    "suite_path",
    "suite_text",
    "write_suite",
]


@dataclass(frozen=True)
class SuiteSpec:
    """What the engine needs to know about one dataset's suite.

    Attributes:
        name: suite and dataset name (``expectations/<name>.json``, findings' ``dataset``).
        checks: returns the checks, in suite order.
        rules: the rule catalogue the checks refer to.
        index_columns: per batch, the columns identifying a failing row (``_row`` and, for
            long batches, ``position``).
        main_batch: the batch with one row per input record (holds ``record_key``).
        amount_column: the record's amount, put at stake by rules with an amount basis.
    """

    name: str
    checks: Callable[[], list[Check]]
    rules: dict[str, Rule]
    index_columns: dict[str, list[str]]
    main_batch: str
    amount_column: str
    datasets: dict[str, str] | None = None  # findings' dataset per batch (default: name)

    def dataset_of(self, batch: str) -> str:
        return (self.datasets or {}).get(batch, self.name)

    def standalone(self, batch: str) -> bool:
        """A batch with its own rows and record keys (not positions of the main batch)."""
        return batch == self.main_batch or self.index_columns[batch] == ["_row"]


def gx_module():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    from . import expectations  # noqa: F401  (registers the custom expectations)

    return gx


#: the suite's severities as Great Expectations' FailureSeverity values
GX_SEVERITY = {"error": "critical", "warning": "warning"}


def build_suite(spec: SuiteSpec):
    """The ``ExpectationSuite`` of a dataset (GX imported here, not at package import)."""
    gx = gx_module()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    from ..rules import get_rule

    checks = spec.checks()
    # Built from a list, not with add_expectation_configuration: that "upserts" by column and
    # type, so a second range check on service_date would silently replace the first. Each
    # expectation carries its rule's severity as GX's own (error -> critical, warning ->
    # warning) and the rule's title as its description, so Data Docs read as the findings do.
    suite = gx.ExpectationSuite(
        name=spec.name,
        meta={"dataset": spec.name, "rules": "audit_lib/rules/rulebook.toml (docs/RULES.md)"},
        expectations=[
            ExpectationConfiguration(
                type=c.type,
                kwargs=dict(c.kwargs),
                meta=c.meta(),
                description=f"{c.rule_id}: {get_rule(c.rule_id).title}",
                severity=GX_SEVERITY[c.severity or get_rule(c.rule_id).severity],
            ).to_domain_obj()
            for c in checks
        ],
    )
    if len(suite.expectations) != len(checks):
        raise AuditError(
            f"the {spec.name} suite holds {len(suite.expectations)} expectations for {len(checks)} "
            "checks; two checks are identical. This is a defect in audit_lib."
        )
    return suite


def suite_json(spec: SuiteSpec, suite=None) -> str:
    """Stable serialisation: sorted keys, no ids, no GX version (those change run to run)."""
    return suite_text(suite if suite is not None else build_suite(spec))


def suite_text(suite) -> str:
    """A GX suite's stable serialisation (:func:`suite_json`)."""
    doc = suite.to_json_dict()
    doc.pop("id", None)
    doc.get("meta", {}).pop("great_expectations_version", None)
    for exp in doc.get("expectations", []):
        exp.pop("id", None)
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"


def suite_path(spec: SuiteSpec) -> Path:
    """The suite as committed (``expectations/``) and shipped with the package."""
    from ..paths import bundled_dir

    return bundled_dir("expectations") / f"{spec.name}.json"


def write_suite(spec: SuiteSpec, path: str | Path | None = None) -> Path:
    p = Path(path) if path else suite_path(spec)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(suite_json(spec), encoding="utf-8")
    return p


def check_suite(spec: SuiteSpec, path: str | Path | None = None) -> None:
    """Raise :class:`SuiteOutOfDateError` when the committed JSON differs from the code."""
    p = Path(path) if path else suite_path(spec)
    if not p.is_file() or p.read_text(encoding="utf-8") != suite_json(spec):
        raise SuiteOutOfDateError(f"{p} is out of date with audit_lib. Run: audit suites build")
