"""Pages generated from the code, so a package user has what outputs cite: ``docs/INPUTS.md``
(every input table's columns, from the schemas the loaders enforce) and ``docs/RULES.md``
(:func:`audit_lib.rules.rules_markdown`). ``python tools/build_rulebook.py --docs`` writes
them; a test fails when they drift."""

from __future__ import annotations

__all__ = ["inputs_markdown"]

KINDS = {
    "text": "text",
    "code": "code (text; case and spaces normalised)",
    "integer": "whole number",
    "number": "number",
    "amount": "dollar amount",
    "date": "date (ISO, YYYYMMDD, MM/DD/YYYY, DD-MON-YYYY ...)",
    "boolean": "true/false (empty = false)",
    "choice": "one of the listed values",
}


def _tables():
    from ..access.schema import (
        ACCESS_LOG_SCHEMA,
        ENCOUNTERS_SCHEMA,
        PATIENTS_SCHEMA,
        WORKFORCE_SCHEMA,
    )
    from ..claims.schema import CLAIMS_SCHEMA
    from ..refunds.certification import CERTIFICATION_SCHEMA
    from ..refunds.schema import OVERPAYMENTS_SCHEMA

    return [
        ("audit claims --claims", CLAIMS_SCHEMA),
        ("audit refunds --overpayments", OVERPAYMENTS_SCHEMA),
        ("audit refunds --cms838-certification", CERTIFICATION_SCHEMA),
        ("audit access --access-log", ACCESS_LOG_SCHEMA),
        ("audit access --workforce", WORKFORCE_SCHEMA),
        ("audit access --patients", PATIENTS_SCHEMA),
        ("audit access --encounters", ENCOUNTERS_SCHEMA),
    ]


def inputs_markdown() -> str:
    """``docs/INPUTS.md``: the input tables, column by column."""
    out = [
        "# Input tables",
        "",
        "Generated from the schemas the loaders enforce (`python tools/build_rulebook.py "
        "--docs`); do not edit by hand. Files are CSV (UTF-8), Parquet or XLSX; column names "
        "match ignoring case and surrounding spaces; extra columns pass through. A required "
        "column that is missing stops the run (exit 2); a required value that is empty is a "
        "`*-REQ-01` finding; a value that does not parse is a `*-PARSE-01` finding. Protected "
        "columns never appear in an output (masked tokens only). Public and vendor layouts "
        "(DE-SynPUF, RIF, CCLF, Epic) are read with `--profile` (`audit profiles`).",
        "",
    ]
    for option, schema in _tables():
        out += [f"## {schema.name}", "", f"Read by `{option}`.", ""]
        out += ["| column | type | required | protected | values |", "|---|---|---|---|---|"]
        for c in schema.columns:
            out.append(
                f"| `{c.name}` | {KINDS.get(c.kind, c.kind)} | {'yes' if c.required else ''} | "
                f"{'yes' if c.protected else ''} | {', '.join(c.choices)} |"
            )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
