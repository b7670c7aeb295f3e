"""Tables and charts for the access-review notebook. They read a finished review; nothing is
computed here, and nothing shown holds a raw protected value (patients are tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .charts import new_figure
from .tables import show

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..access.pipeline import AccessReview

__all__ = [
    "alerts_by_rule_chart",
    "case_list",
    "findings_by_rule",
    "headline",
    "heatmap_chart",
    "integrity_table",
    "show",
    "top_users",
    "top_users_chart",
]


def headline(review: AccessReview) -> str:
    s = review.summary
    c = s["counts"]["access_log"]
    cs = s["cases"]
    return (
        f"**{c['rows_read']:,} access events read, {c['rows_checked']:,} checked** for "
        f"**{review.period}** (site time {review.config.access.site_timezone}); "
        f"{c['rows_left_out']:,} left out of detection by integrity checks. "
        f"**{cs['total']:,} cases** for {cs['users']:,} users "
        f"({cs['by_severity']['error']:,} error, {cs['by_severity']['warning']:,} warning) "
        f"touching {cs['distinct_patients']:,} patients; "
        f"{cs['cases_reaching_breach_threshold']:,} case(s) reach the "
        f"{cs['breach_threshold']}-individual breach-notification threshold."
    )


def integrity_table(review: AccessReview) -> pd.DataFrame:
    s = review.summary
    c = s["counts"]["access_log"]
    ident = s["statistics"]["identity_resolution"]
    rows = _fhir_rows(s.get("fhir_import"))
    rows += [
        ("Events read", f"{c['rows_read']:,}", "rows in the access log"),
        ("Events checked", f"{c['rows_checked']:,}", "every event is checked for integrity"),
        ("Rows with unparseable values", f"{c['rows_rejected']:,}", "LOG-PARSE-01 findings"),
    ]
    rule = {
        "required_field_empty_or_unparseable": "LOG-I-03 / LOG-PARSE-01",
        "time_outside_period": "LOG-I-04",
        "repeated_event_id": "LOG-KEY-01",
    }
    rows += [
        (f"Left out: {k.replace('_', ' ')}", f"{v:,}", rule.get(k, ""))
        for k, v in c["left_out"].items()
    ]
    rows += [
        ("Events in detection", f"{c['rows_in_detection']:,}", "read by the LOG-R rules"),
        (
            "User ids found in the roster",
            f"{ident['mapped_user_ids']:,} of {ident['user_ids']:,}",
            ("meets" if ident["meets_threshold"] else "BELOW")
            + f" the {ident['threshold']:.0%} identity-resolution threshold (LOG-I-05)",
        ),
    ]
    for name in ("workforce", "patients", "encounters"):
        t = s["counts"][name]
        rows.append((f"{name} rows", f"{t['rows_read']:,}", f"{t['rows_rejected']} unparseable"))
    return pd.DataFrame(rows, columns=["measure", "value", "note"])


def _fhir_rows(fhir: dict | None) -> list[tuple[str, str, str]]:
    """What a FHIR AuditEvent import read, and what it did not review as workforce access."""
    if not fhir:
        return []
    return [
        ("FHIR AuditEvents read", f"{fhir['resources']:,}", ", ".join(fhir["files"])[:120]),
        ("  about no patient", f"{len(fhir['skipped_without_patient']):,}",
         "logins, logouts, queries of no one: not patient-record access"),
        ("  by the patient or a related person",
         f"{len(fhir['patient_initiated']) + len(fhir['related_person_initiated']):,}",
         "portal and patient-app access: not workforce snooping, not reviewed"),
        ("  by a system with no user", f"{len(fhir['system_initiated']):,}",
         "server jobs and interfaces: listed in summary.json, not reviewed"),
        ("  workforce access to a patient record", f"{fhir['patient_access_events']:,}",
         "the events below"),
        ("  user id taken from a display name", f"{len(fhir['user_id_from_display_name']):,}",
         "no identifier or reference for the user: it may not match the roster"),
    ]  # fmt: skip


def findings_by_rule(review: AccessReview) -> pd.DataFrame:
    by = review.summary["findings"]["by_rule"]
    rows = [(r, v["title"], v["severity"], v["count"]) for r, v in by.items() if v["count"]]
    return pd.DataFrame(rows, columns=["rule_id", "title", "severity", "findings"])


def alerts_by_rule_chart(review: AccessReview) -> Figure:
    t = findings_by_rule(review)
    t = t[t["rule_id"].str.startswith("LOG-R-")].sort_values("findings")
    fig = new_figure(8, max(2.5, 0.3 * len(t) + 1))
    ax = fig.subplots()
    if t.empty:
        ax.text(0.5, 0.5, "no alerts", ha="center", va="center")
    colors = ["#b42318" if s == "error" else "#b54708" for s in t["severity"]]
    ax.barh(t["rule_id"], t["findings"], color=colors)
    ax.set_xlabel("findings (user and patient pairs)")
    ax.set_title("Alerts by rule (red: error, amber: warning)")
    return fig


def heatmap_chart(review: AccessReview) -> Figure:
    grid = review.stats["heatmap"]
    fig = new_figure(9, 3.4)
    ax = fig.subplots()
    im = ax.imshow(grid.to_numpy(), aspect="auto", cmap="Blues")
    ax.set_yticks(range(len(grid.index)), grid.index)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("local hour of day")
    ax.set_title("Access events by weekday and hour")
    fig.colorbar(im, ax=ax, label="events")
    return fig


def top_users(review: AccessReview) -> pd.DataFrame:
    return review.stats["top_users"]


def top_users_chart(review: AccessReview) -> Figure:
    t = review.stats["top_users"].iloc[::-1]
    fig = new_figure(8, max(2.5, 0.28 * len(t) + 1))
    ax = fig.subplots()
    ax.barh(t["user_id"] + " (" + t["role"] + ")", t["distinct_patients"], color="#175cd3")
    ax.set_xlabel("distinct patients in the period")
    ax.set_title("Top users by distinct patients opened")
    return fig


def case_list(review: AccessReview, n: int = 30) -> pd.DataFrame:
    cols = ["case_id", "user_id", "patient", "n_patients", "n_events", "rules", "severity"]
    cols += ["score", "evidence"]
    return review.cases[cols].head(n)
