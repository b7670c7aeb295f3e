"""The HIPAA access-log review: the one fixed pipeline.

load (DuckDB) -> resolve period -> integrity flags -> GX suite (integrity and reference tables)
-> detection rules (DuckDB) -> cases -> findings -> statistics -> write (findings.csv,
summary.json, validation/access_log.json, cases.csv, case_events.csv, workpaper.xlsx).

Events that fail an integrity check (a required field empty or unparseable, a time outside
the period, a repeated event id) are reported and left out of the detection rules; the counts
say how many (rows read = rows checked + rows left out).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..config import AuditConfig, load_config, parse_period, period_of, with_period
from ..errors import ConfigError
from ..findings import FINDINGS_COLUMNS, parse_error_findings, sort_findings
from ..outputs import (
    ReviewResult,
    csv_safe,
    jsonable,
    period_block,
    summarize_findings,
    write_review_files,
)
from ..phi import Masker
from ..rules import ACCESS_RULES
from ..tables import LoadedTable, load_table, parse_frame
from .load import AccessLog, connect, load_access_log, reference_tables
from .schema import REFERENCE_SCHEMAS

__all__ = ["AccessReview", "compute_access_review", "detect_alerts", "write_files"]

Source = str | Path | pd.DataFrame | None


@dataclass(kw_only=True)
class AccessReview(ReviewResult):
    """Everything one access review produced. Patients appear only as tokens in ``cases``,
    ``case_events`` and ``findings``; ``alerts`` holds raw patient ids (not written)."""

    log: AccessLog
    reference: dict[str, LoadedTable]
    counts: dict[str, Any]
    alerts: pd.DataFrame
    cases: pd.DataFrame
    case_events: pd.DataFrame
    stats: dict[str, Any]


def _load_reference(paths: dict[str, Source], demo: Any | None) -> dict[str, LoadedTable]:
    out = {}
    for name, schema in REFERENCE_SCHEMAS.items():
        src = paths.get(name)
        if isinstance(src, pd.DataFrame):
            out[name] = parse_frame(src.astype("string"), schema, source=f"frame:{name}")
        elif src is not None:
            out[name] = load_table(src, schema)
        elif demo is not None:
            out[name] = parse_frame(
                getattr(demo, name).astype("string"), schema, source=f"demo:{name}"
            )
        elif name == "encounters":  # optional: without it every access lacks a relationship
            empty = pd.DataFrame({c.name: pd.Series(dtype="string") for c in schema.columns})
            out[name] = parse_frame(empty, schema, source="(no encounters file)")
        else:
            raise ConfigError(f"the access review needs a {name} file (--{name}).")
    return out


def compute_access_review(
    access_log: Source = None,
    *,
    workforce: Source = None,
    patients: Source = None,
    encounters: Source = None,
    config: AuditConfig | None = None,
    memory_limit: str | None = None,
) -> AccessReview:
    """Compute the access review (:func:`audit_lib.run_access_review` writes it).

    Args:
        access_log: the access log (CSV, Parquet, XLSX), FHIR AuditEvent files (a ``.json``,
            ``.ndjson`` or ``.xml`` file, or a list of them), a frame, or None for the demo.
        workforce, patients, encounters: the reference tables (files or frames); with the demo
            log they default to the demo's.
        config: period, as-of date and the ``[access]`` settings.
    """
    config = config or load_config()
    s = config.access
    demo = None
    if access_log is None and config.input_profile:
        raise ConfigError("an input profile reads the access log given with --access-log.")
    if access_log is None and any(x is not None for x in (workforce, patients, encounters)):
        raise ConfigError(
            "reference tables (workforce, patients, encounters) were given without the access "
            "log they are checked against: give the log (--access-log)."
        )
    if access_log is None:
        from .demo import generate_demo_access

        demo = generate_demo_access(period=config.period or "2026Q3", seed=config.demo_seed)
        access_log = demo.access_log
        label = f"demo:{demo.period}:seed={config.demo_seed}"
    else:
        label = None
    with tempfile.TemporaryDirectory(prefix="audit-access-") as tmp:
        con = connect(
            s.site_timezone, memory_limit=memory_limit or s.engine_memory_limit, temp_dir=tmp
        )
        try:
            review = _review(con, access_log, label, demo, workforce, patients, encounters, config)
        finally:
            con.close()
    return review


def _review(con, access_log, label, demo, workforce, patients, encounters, config):
    s = config.access
    fhir_info = profile_info = None
    if config.input_profile and not isinstance(access_log, pd.DataFrame):
        from ..profiles import apply_profile, load_profile

        profile = load_profile(config.input_profile, "access_log")
        frame, profile_info = apply_profile(_as_list(access_log), profile)
        names = ", ".join(Path(p).name for p in _as_list(access_log))
        label, access_log = f"{names} (profile {profile.name})", frame.drop(columns="_source_row")
    elif _is_fhir(access_log):
        from .fhir import read_audit_events

        frame, fhir_info = read_audit_events(access_log)
        label = "FHIR AuditEvent: " + ", ".join(Path(p).name for p in _as_list(access_log))
        access_log = frame
    log = load_access_log(access_log, con, label=label)
    reference = _load_reference(
        {"workforce": workforce, "patients": patients, "encounters": encounters}, demo
    )
    reference_tables(reference, con)

    if config.period:
        period, period_source = config.period, "parameter"
    else:
        latest = con.execute("SELECT max(ev_date) FROM events").fetchall()[0][0]
        if latest is None:
            raise ConfigError("no event_time could be parsed; pass --period YYYYQn.")
        period, period_source = period_of(latest), "quarter of the latest event_time"
    config = with_period(config, period, config.as_of or parse_period(period)[1])
    start, end = parse_period(period)
    masker = Masker()

    from . import integrity

    counts = integrity.flag_events(con, start, end, config.as_of)
    rejected = sorted(int(r) for r in log.parse_errors["row"].unique())
    counts.update(rows_rejected=len(rejected), rejected_rows=rejected)
    validation, gx_findings = integrity.validate(con, reference, masker)
    from .cases import alert_findings, build_cases
    from .detect import detect

    alerts = detect(con, s, start, end)
    bulk_events = con.execute(
        """SELECT c.user_id, c.work_date AS ev_date, c._row, c.event_id, c.patient_id,
                  c.ts_local
           FROM events_wd c JOIN bulk b ON b.user_id = c.user_id AND b.ev_date = c.work_date"""
    ).df()
    alerts, cases, case_events = build_cases(
        alerts, bulk_events, breach_threshold=s.breach_threshold, masker=masker
    )
    parse = _parse_findings(con, log, reference, masker)
    if len(parse):  # an unparseable required value is reported once, as LOG-PARSE-01
        cells = parse["dataset"] + "|" + parse["row"].astype(str) + "|" + parse["field"]
        mine = (
            gx_findings["dataset"]
            + "|"
            + gx_findings["row"].astype(str)
            + "|"
            + gx_findings["field"]
        )
        twice = gx_findings["rule_id"].isin(["LOG-I-03", "LOG-REQ-01"]) & mine.isin(cells)
        gx_findings = gx_findings[~twice]
    findings = sort_findings(
        pd.concat([parse, gx_findings, alert_findings(alerts)], ignore_index=True)
    )
    from .kpis import access_stats

    stats = access_stats(con, alerts, cases, identity_min=s.identity_resolution_min)
    review = AccessReview(
        config=config,
        source=log.source,
        period_source=period_source,
        log=log,
        reference=reference,
        counts=counts,
        findings=findings[FINDINGS_COLUMNS],
        alerts=alerts,
        cases=cases,
        case_events=case_events,
        validation=validation,
        stats=stats,
    )
    review.summary = build_summary(review, fhir_info)
    review.summary["input_profile"] = profile_info
    return review


def detect_alerts(
    access_log: Source,
    *,
    workforce: Source,
    patients: Source,
    encounters: Source = None,
    config: AuditConfig,
) -> pd.DataFrame:
    """The detection rules alone (no suite, no outputs) on a resolved period: one row per
    alert, raw patient ids included. Integrity failures are left out as in the review."""
    from .detect import detect
    from .integrity import flag_events

    if not config.period:
        raise ConfigError("detect_alerts needs the period: load_config(period=...).")
    tmp = tempfile.TemporaryDirectory(prefix="audit-access-")
    con = connect(
        config.access.site_timezone,
        memory_limit=config.access.engine_memory_limit,
        temp_dir=tmp.name,
    )
    try:
        load_access_log(access_log, con)
        reference = _load_reference(
            {"workforce": workforce, "patients": patients, "encounters": encounters}, None
        )
        reference_tables(reference, con)
        start, end = parse_period(config.period)
        flag_events(con, start, end, config.as_of or end)
        return detect(con, config.access, start, end)
    finally:
        con.close()
        tmp.cleanup()


def _as_list(src) -> list:
    return list(src) if isinstance(src, list | tuple) else [src]


def _is_fhir(src) -> bool:
    if isinstance(src, pd.DataFrame) or src is None:
        return False
    return all(Path(p).suffix.lower() in (".json", ".ndjson", ".xml") for p in _as_list(src))


def _parse_findings(
    con, log: AccessLog, reference: dict[str, LoadedTable], masker: Masker
) -> pd.DataFrame:
    from .integrity import reference_keys

    parts = []
    if not log.parse_errors.empty:
        rows = log.parse_errors["row"].unique().tolist()
        con.register("_perr", pd.DataFrame({"_row": rows}))
        keys = con.execute(
            "SELECT e._row, coalesce(e.event_id, 'row ' || e._row) AS record_key "
            "FROM events e JOIN _perr USING (_row)"
        ).df()
        con.unregister("_perr")
        parts.append(
            parse_error_findings(log.parse_errors, keys, prefix="LOG", dataset="access_log")
        )
    for name, t in reference.items():
        if not t.parse_errors.empty:
            parts.append(
                parse_error_findings(
                    t.parse_errors,
                    reference_keys(name, t.frame, masker),
                    prefix="LOG",
                    dataset=name,
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def build_summary(review: AccessReview, fhir_info: dict | None = None) -> dict[str, Any]:
    f = review.findings
    c = review.config
    cases = review.cases
    reference_counts = {
        name: {
            "rows_read": t.rows_read,
            "rows_checked": len(t.frame),
            "rows_rejected": int(t.parse_errors["row"].nunique()),
            "rejected_rows": sorted(int(r) for r in t.parse_errors["row"].unique()),
        }
        for name, t in review.reference.items()
    }
    return {
        "review": "access",
        "tool": {"name": "audit-suite", "version": __version__},
        "source": review.source,
        "period": period_block(review.period, review.as_of, review.period_source),
        "parameters": c.to_dict(),
        "engine": {"detection": "duckdb", "integrity": "great_expectations"},
        "fhir_import": fhir_info,
        "counts": {"access_log": review.counts, **reference_counts},
        "findings": summarize_findings(f, ACCESS_RULES),
        "cases": {
            "total": len(cases),
            "by_severity": {
                s: int((cases["severity"] == s).sum()) for s in ("error", "warning", "info")
            },
            "users": int(cases["user_id"].nunique()),
            "distinct_patients": int(
                review.case_events["patient"].nunique() if len(review.case_events) else 0
            ),
            "breach_threshold": c.access.breach_threshold,
            "cases_reaching_breach_threshold": int(cases["breach_threshold_reached"].sum()),
            "max_patients_in_a_case": int(cases["n_patients"].max()) if len(cases) else 0,
        },
        "statistics": jsonable(
            {k: v for k, v in review.stats.items() if not isinstance(v, pd.DataFrame)}
        ),
    }


def write_files(review: AccessReview, out_dir: Path) -> None:
    """The review's data files (findings, summary, validation, cases, case events); the
    workpaper is the reporting layer's."""
    paths = write_review_files(
        out_dir,
        findings=review.findings,
        summary=review.summary,
        suite="access_log",
        validation=review.validation,
    )
    csv = {"index": False, "lineterminator": "\n"}
    cases = review.cases.copy()
    for col in ("first_event", "last_event"):
        cases[col] = pd.to_datetime(cases[col]).dt.strftime("%Y-%m-%d %H:%M:%S")
    csv_safe(cases).to_csv(out_dir / "cases.csv", **csv)
    ev = review.case_events.copy()
    ev["ts_local"] = pd.to_datetime(ev["ts_local"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    csv_safe(ev).to_csv(out_dir / "case_events.csv", **csv)
    review.outputs = {k: str(v) for k, v in paths.items()}
    review.outputs.update({n: str(out_dir / n) for n in ("cases.csv", "case_events.csv")})
