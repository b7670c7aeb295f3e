"""Each access-log detection rule with events that break it and look-alikes that must not.

Times without an offset are site-local (America/New_York). 2026-07-15 is a Wednesday.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from audit_lib import load_config
from audit_lib.access.pipeline import detect_alerts

WF = [
    # user, last, dept, role, shift, term, address, zip, own patient, account
    ("U1", "Garza", "Cardiology", "nurse", "day", "", "12 Oak St", "30301", "P_U1", "personal"),
    ("U2", "Okafor", "Cardiology", "physician", "day", "", "4 Elm Rd", "30302", "", "personal"),
    ("U3", "Moreno", "Oncology", "nurse", "night", "", "9 Pine Ave", "30303", "", "personal"),
    ("U4", "Ingram", "HIM", "him", "day", "", "1 Main St", "30304", "", "personal"),
    ("U5", "Xiong", "Cardiology", "nurse", "day", "2026-07-15", "7 Ash Ct", "30305", "", ""),
    ("NURSE1", "Generic", "Cardiology", "nurse", "day", "", "", "", "", "personal"),
    ("EDKIOSK", "Kiosk", "Emergency", "nurse", "day", "", "", "", "", "shared"),
    ("U6", "Pacheco", "Oncology", "nurse", "day", "", "3 Fir Ln", "30306", "P_U6", "personal"),
]
PT = [
    # patient, last, address, zip, deceased, vip, employee user
    ("P1", "Adams", "100 River Rd", "40001", "", "false", ""),
    ("P2", "Brown", "200 Lake Dr", "40002", "", "false", ""),
    ("P_U1", "Garza", "12 Oak St", "30301", "", "false", "U1"),
    ("P_FAM", "GARZA", "12 oak st.", "30301", "", "false", ""),
    ("P_ZIP", "Garza", "99 Other Way", "30301", "", "false", ""),
    ("P_NAME", "Garza", "1 Far Rd", "99999", "", "false", ""),
    ("P_VIP", "Celebrity", "1 Star Blvd", "90210", "", "true", ""),
    ("P_DEAD", "Late", "5 End St", "40005", "2026-07-10", "false", ""),
    ("P_U6", "Pacheco", "3 Fir Ln", "30306", "", "false", "U6"),
]
ENC = [
    # patient, start, end, user, department
    ("P1", "2026-07-14", "2026-07-16", "", "Cardiology"),
    ("P2", "2026-07-14", "2026-07-14", "U3", ""),
    ("P_VIP", "2026-07-15", "2026-07-15", "", "Cardiology"),
    ("P_DEAD", "2026-07-08", "2026-07-09", "", "Cardiology"),
    ("P_FAM", "2026-07-20", "2026-07-20", "U2", ""),
]


def tables():
    wf = pd.DataFrame(
        WF,
        columns=[
            "user_id",
            "last_name",
            "department",
            "role",
            "shift",
            "termination_date",
            "address_line",
            "postal_code",
            "patient_id",
            "account_type",
        ],
    ).assign(first_name="Sam")
    pt = pd.DataFrame(
        PT,
        columns=[
            "patient_id",
            "last_name",
            "address_line",
            "postal_code",
            "deceased_date",
            "vip",
            "employee_user_id",
        ],
    ).assign(first_name="Alex")
    enc = pd.DataFrame(
        ENC, columns=["patient_id", "start_date", "end_date", "user_id", "department"]
    )
    return wf, pt, enc


def run(events, period="2026Q3", *, reference=None, **access):
    """Alerts for events given as (user, patient, time[, btg, reason[, action[, ip]]]), against
    ``reference`` (workforce, patients, encounters; default :func:`tables`)."""
    rows = []
    for i, e in enumerate(events):
        user, patient, when = e[:3]
        rows.append(
            {
                "event_id": f"E{i + 1}",
                "event_time": when,
                "user_id": user,
                "patient_id": patient,
                "action": e[5] if len(e) > 5 else "view",
                "break_the_glass": "true" if len(e) > 3 and e[3] else "false",
                "btg_reason": e[4] if len(e) > 4 else "",
                "ip_address": e[6] if len(e) > 6 else "",
            }
        )
    wf, pt, enc = reference or tables()
    config = load_config(period=period)
    if access:
        config = dataclasses.replace(config, access=dataclasses.replace(config.access, **access))
    return detect_alerts(
        pd.DataFrame(rows), workforce=wf, patients=pt, encounters=enc, config=config
    )


def fired(alerts, event_id=None) -> set[str]:
    a = alerts if event_id is None else alerts[alerts["event_id"] == event_id]
    return set(a["rule_id"])


# one relationship-holding, business-hours access: the baseline that raises nothing
OK = ("U1", "P1", "2026-07-15 10:00")


def test_clean_access_raises_nothing():
    assert run([OK]).empty


def test_r01_self_access_by_roster_link_and_by_patient_link():
    a = run([("U1", "P_U1", "2026-07-15 10:00"), ("U6", "P_U6", "2026-07-15 10:00")])
    assert "LOG-R-01" in fired(a, "E1") and "LOG-R-01" in fired(a, "E2")
    assert "LOG-R-02" not in fired(a) and "LOG-R-04" not in fired(a)  # self is not family


def test_r02_family_same_address_or_postal_code_without_relationship():
    a = run(
        [
            ("U1", "P_FAM", "2026-07-15 10:00"),  # same last name (case, punctuation) + address
            ("U1", "P_ZIP", "2026-07-15 10:05"),  # same last name + postal code
            ("U1", "P_NAME", "2026-07-15 10:10"),  # same last name only: no
        ]
    )
    assert "LOG-R-02" in fired(a, "E1") and "LOG-R-02" in fired(a, "E2")
    assert "LOG-R-02" not in fired(a, "E3")
    ev = a.loc[(a["rule_id"] == "LOG-R-02") & (a["event_id"] == "E2"), "evidence"].iloc[0]
    assert ev.startswith("same last name and postal code as the user")
    assert "Garza" not in " ".join(a["evidence"]) and "30301" not in " ".join(a["evidence"])


def test_r02_clinician_treating_a_relative_is_not_flagged():
    wf, pt, enc = tables()
    wf.loc[wf["user_id"] == "U2", ["last_name", "address_line"]] = ["Garza", "12 Oak St"]
    a = run([("U2", "P_FAM", "2026-07-20 11:00")], reference=(wf, pt, enc))
    assert a.empty  # U2 is on P_FAM's encounter that day


def test_r04_coworker_same_department_error_other_department_warning():
    a = run([("U2", "P_U1", "2026-07-15 10:00"), ("U3", "P_U1", "2026-07-15 10:00")])
    r = a[a["rule_id"] == "LOG-R-04"].set_index("event_id")["severity"]
    assert r.to_dict() == {"E1": "error", "E2": "warning"}  # U2 shares U1's department


def test_r04_coworker_with_a_treatment_relationship_is_not_flagged():
    wf, pt, enc = tables()
    enc.loc[len(enc)] = ["P_U1", "2026-07-15", "2026-07-15", "U2", ""]
    assert run([("U2", "P_U1", "2026-07-15 10:00")], reference=(wf, pt, enc)).empty


def test_r05_vip_without_relationship_or_by_break_the_glass():
    a = run(
        [
            ("U3", "P_VIP", "2026-07-15 23:00"),  # night nurse, no relationship
            ("U1", "P_VIP", "2026-07-15 10:00"),  # Cardiology encounter that day: fine
            ("U1", "P_VIP", "2026-07-15 10:30", True, "Emergency treatment"),  # every BTG
        ]
    )
    assert "LOG-R-05" in fired(a, "E1")
    assert fired(a, "E2") == set()
    assert fired(a, "E3") == {"LOG-R-05"}


def test_r06_deceased_after_death_not_on_the_day_not_by_him():
    a = run(
        [
            ("U1", "P_DEAD", "2026-07-13 10:00"),  # after death (a Monday), relationship holds
            ("U1", "P_DEAD", "2026-07-10 10:00"),  # the day of death
            ("U4", "P_DEAD", "2026-07-13 10:00"),  # HIM
        ]
    )
    assert fired(a, "E1") == {"LOG-R-06"}
    assert fired(a, "E2") == set() and fired(a, "E3") == set()
    assert "2026-07-10" not in " ".join(a["evidence"])  # the date of death is not shown


def test_r07_relationship_window_by_department_and_population_roles():
    a = run(
        [
            ("U1", "P1", "2026-08-14 10:00"),  # 29 days after the encounter ended: in window
            ("U1", "P1", "2026-08-17 10:00"),  # 32 days after: no relationship
            ("U1", "P2", "2026-07-15 10:00"),  # P2's encounter names U3 only
            ("U4", "P2", "2026-07-15 10:00"),  # HIM: population-wide duty
        ]
    )
    assert fired(a, "E1") == set()
    assert fired(a, "E2") == {"LOG-R-07"} and fired(a, "E3") == {"LOG-R-07"}
    assert fired(a, "E4") == set()
    assert set(run([("U1", "P1", "2026-08-17 10:00")], relationship_window_days=40)["rule_id"]) == (
        set()
    )


def test_r08_unmapped_shared_and_generic_accounts():
    a = run(
        [
            ("X1", "P1", "2026-07-15 10:00"),
            ("EDKIOSK", "P1", "2026-07-15 10:00"),
            ("NURSE1", "P1", "2026-07-15 10:00"),
        ]
    )
    ev = a[a["rule_id"] == "LOG-R-08"].set_index("event_id")["evidence"]
    assert ev["E1"] == "user id not in the workforce roster"
    assert ev["E2"] == "account type shared"
    assert ev["E3"].startswith("user id names no person")
    assert fired(a, "E1") == {"LOG-R-08"}  # an unmapped user has no role: not also LOG-R-07


def test_r09_terminated_at_midnight_and_utc_times():
    a = run(
        [
            ("U5", "P1", "2026-07-15 23:59:59"),  # last day worked
            ("U5", "P1", "2026-07-16 00:00:30"),  # after
            ("U5", "P1", "2026-07-16T03:30:00Z"),  # 23:30 EDT on the 15th
            ("U5", "P1", "2026-07-16T04:30:00Z"),  # 00:30 EDT on the 16th
        ]
    )
    assert "LOG-R-09" not in fired(a, "E1") and "LOG-R-09" not in fired(a, "E3")
    assert "LOG-R-09" in fired(a, "E2") and "LOG-R-09" in fired(a, "E4")
    strict = run([("U5", "P1", "2026-07-15 09:00")], termination_effective="start_of_day")
    assert "LOG-R-09" in fired(strict)


@pytest.mark.parametrize(
    ("when", "after_hours"),
    [
        ("2026-07-15 07:00", False),
        ("2026-07-15 18:59", False),
        ("2026-07-15 19:00", True),
        ("2026-07-15 06:59", True),
        ("2026-07-18 10:00", True),  # Saturday
        ("2026-07-03 10:00", True),  # Independence Day observed (July 4 is a Saturday)
        ("2026-09-07 10:00", True),  # Labor Day
    ],
)
def test_r10_after_hours_for_day_shift(when, after_hours):
    a = (
        run([("U1", "P1", when)])
        if when.startswith("2026-07-1")
        else run(
            [("U4", "P1", when)]  # HIM (day shift, population role): only LOG-R-10 can fire
        )
    )
    assert ("LOG-R-10" in fired(a)) is after_hours


def test_r10_night_shift_is_not_after_hours():
    # U3 works nights and is on P2's encounter: neither the hour nor the Saturday matters
    assert run([("U3", "P2", "2026-07-15 02:00"), ("U3", "P2", "2026-07-18 23:00")]).empty


@pytest.mark.parametrize(
    ("period", "utc", "after_hours"),
    [
        ("2026Q4", "2026-10-30T11:30:00Z", False),  # 07:30 EDT (UTC-4)
        ("2026Q4", "2026-11-02T11:30:00Z", True),  # 06:30 EST (UTC-5): DST ended Nov 1
        ("2026Q1", "2026-03-09T11:30:00Z", False),  # 07:30 EDT: DST began Mar 8
        ("2026Q1", "2026-03-06T11:30:00Z", True),  # 06:30 EST
    ],
)
def test_r10_reads_local_time_across_daylight_saving(period, utc, after_hours):
    a = run([("U4", "P1", utc)], period=period)
    assert ("LOG-R-10" in fired(a)) is after_hours


def test_r11_break_the_glass_needs_a_reason():
    a = run(
        [
            ("U1", "P1", "2026-07-15 10:00", True, ""),
            ("U1", "P1", "2026-07-15 10:05", True, "   "),
            ("U1", "P1", "2026-07-15 10:10", True, "Patient unresponsive in ED"),
        ]
    )
    assert fired(a, "E1") == {"LOG-R-11"} and fired(a, "E2") == {"LOG-R-11"}
    assert fired(a, "E3") == set()


def _daily(user, counts, start="2026-07-06"):
    """Events for ``user``: counts[i] distinct patients on the i-th weekday from start."""
    days = pd.bdate_range(start, periods=len(counts))
    return [
        (user, f"PX{d:%m%d}{k}", f"{d:%Y-%m-%d} {9 + k // 60:02d}:{k % 60:02d}")
        for d, n in zip(days, counts, strict=True)
        for k in range(n)
    ]


def test_r12_bulk_above_baseline_and_floor():
    normal = [6, 7, 5, 6, 8, 7, 6, 5, 7, 6]
    a = run(_daily("U4", [*normal, 45]))  # HIM: no relationship needed
    bulk = a[a["rule_id"] == "LOG-R-12"]
    assert set(bulk["ev_date"].astype(str)) == {"2026-07-20"}
    assert any(e.startswith("45 distinct patients on 2026-07-20") for e in bulk["evidence"])
    assert "LOG-R-12" not in fired(run(_daily("U4", [18] * 10)))  # steady and under the floor


def test_r12_per_hour_catches_a_burst_the_day_count_misses():
    normal = _daily("U4", [6, 7, 5, 6, 8, 7, 6, 5, 7, 6])
    # 18 patients in twenty minutes: under the day floor (20), over the hour floor (15)
    burst = [("U4", f"PB{k}", f"2026-07-21 14:{k:02d}") for k in range(18)]
    a = run(normal + burst)
    bulk = a[a["rule_id"] == "LOG-R-12"]
    assert len(bulk) == 1 and bulk["ev_date"].astype(str).iloc[0] == "2026-07-21"
    assert (
        bulk["evidence"]
        .iloc[0]
        .startswith("18 distinct patients in the hour from 2026-07-21 14:00")
    )
    spread = [("U4", f"PB{k}", f"2026-07-21 {8 + k // 2:02d}:{k % 2 * 30:02d}") for k in range(18)]
    assert "LOG-R-12" not in fired(run(normal + spread))  # the same 18 over nine hours
    assert "LOG-R-12" in fired(run(normal + spread, bulk_hour_floor=1, bulk_hour_cap=1))


def test_r12_measures_of_one_user_day_make_one_finding_naming_each():
    from audit_lib.access.cases import alert_findings, build_cases

    burst = [("U4", f"PB{k}", f"2026-07-21 14:{k:02d}") for k in range(45)]
    a = run(_daily("U4", [6, 7, 5, 6, 8, 7, 6, 5, 7, 6]) + burst)
    assert len(a[a["rule_id"] == "LOG-R-12"]) == 2  # the day and the hour
    alerts, _, _ = build_cases(a, pd.DataFrame(), breach_threshold=500)
    f = alert_findings(alerts)
    f = f[f["rule_id"] == "LOG-R-12"]
    assert len(f) == 1 and f.iloc[0]["record_key"] == "U4 2026-07-21"
    assert "45 distinct patients on 2026-07-21" in f.iloc[0]["detail"]
    assert "45 distinct patients in the hour from 2026-07-21 14:00" in f.iloc[0]["detail"]


def test_cases_where_no_case_has_one_patient():
    """Issue 13: the review of a log's first rows died in build_cases (pandas
    NotImplementedError, "Converting strings to null") when every case had several patients:
    the one-patient column came out all null in an arrow dtype. The bulk day is then the only
    case, and it names its patient count."""
    from audit_lib.access.cases import build_cases

    burst = [("U4", f"PB{k}", f"2026-07-21 14:{k:02d}") for k in range(45)]
    a = run(_daily("U4", [6, 7, 5, 6, 8, 7, 6, 5, 7, 6]) + burst)
    a = a[a["rule_id"] == "LOG-R-12"]
    bulk = pd.DataFrame(
        {
            "user_id": "U4",
            "ev_date": pd.Timestamp("2026-07-21"),
            "_row": range(100, 145),
            "event_id": [f"B{k}" for k in range(45)],
            "patient_id": pd.array([e[1] for e in burst], dtype="string[pyarrow]"),
            "ts_local": pd.to_datetime([e[2] for e in burst]),
        }
    )
    _, cases, events = build_cases(a, bulk, breach_threshold=500)
    assert len(cases) == 1 and cases.iloc[0]["patient"] == "45 patients"
    assert cases.iloc[0]["n_patients"] == 45 and len(events) == 45


def test_r12_print_or_export_of_many_patients():
    views = _daily("U4", [6, 7, 5, 6, 8, 7, 6, 5, 7, 6])
    # a baseline: the first two patients of each day printed
    views += [(*e[:2], e[2].replace(" 09:0", " 15:0"), False, "", "print")
              for e in views if e[1][-1] in "01"]  # fmt: skip
    exports = [("U4", f"PE{k}", f"2026-07-21 {9 + k // 4:02d}:{k % 4 * 15:02d}", False, "",
                "export" if k % 2 else "print") for k in range(12)]  # fmt: skip
    bulk = run(views + exports)
    bulk = bulk[bulk["rule_id"] == "LOG-R-12"]
    assert bulk["evidence"].str.startswith("12 distinct patients printed or exported on").any()
    as_views = [e[:3] for e in exports]  # the same 12 only viewed: under every floor
    assert "LOG-R-12" not in fired(run(views + as_views))


def _at(when, ip, patient="P1"):
    return ("U1", patient, f"2026-07-15 {when}", False, "", "view", ip)


def test_r08_concurrent_sessions_in_two_places():
    a = run([_at("10:00", "10.1.5.5"), _at("10:03", "172.16.9.9"), _at("10:06", "10.1.5.7")])
    assert fired(a, "E2") == {"LOG-R-08"} and fired(a, "E1") == fired(a, "E3") == set()
    assert (
        "used at 172.16.0.0/16 at 10:03 between uses at 10.1.0.0/16 at 10:00"
        in (a.loc[a["event_id"] == "E2", "evidence"].iloc[0])
    )
    moved = [_at("10:00", "10.1.5.5"), _at("10:03", "10.1.5.5"), _at("10:06", "172.16.9.9")]
    assert run(moved).empty  # moving from one place to another is not concurrency
    slow = [_at("10:00", "10.1.5.5"), _at("10:30", "172.16.9.9"), _at("11:00", "10.1.5.5")]
    assert run(slow).empty  # back after an hour: outside the 10 minutes
    assert "LOG-R-08" in fired(run(slow, concurrent_window_minutes=60))
    cart = [_at("10:00", "10.1.5.5"), _at("10:03", "10.1.9.9"), _at("10:06", "10.1.5.5")]
    assert run(cart).empty  # one site (same /16): a cart and a desk
    assert "LOG-R-08" in fired(run(cart, concurrent_key="ip"))
    assert run([_at("10:00", ""), _at("10:03", ""), _at("10:06", "")]).empty  # no addresses
    assert run([_at("10:00", "10.1.5.5"), _at("10:03", "172.16.9.9"), _at("10:06", "10.1.5.5")],
               concurrent_window_minutes=0).empty  # fmt: skip


def test_r12_hard_cap_fires_regardless_of_baseline():
    assert "LOG-R-12" in fired(run(_daily("U4", [30] * 8), bulk_cap=25))
    assert "LOG-R-12" not in fired(run(_daily("U4", [30] * 8)))  # steady 30: under cap 200


def test_r16_repeat_offender_needs_three_days_within_the_window():
    three = [("U1", "P2", f"2026-07-{d:02d} 10:00") for d in (6, 13, 20)]
    a = run(three)
    assert "LOG-R-16" in fired(a)
    spread = [("U1", "P2", f"2026-{m}-06 10:00") for m in ("07", "08", "09")]
    assert "LOG-R-16" not in fired(run(spread))  # 31+ days apart
    assert "LOG-R-16" not in fired(run(three[:2]))


def test_r12_a_night_shift_is_one_work_day_not_two_calendar_days():
    # the same 12 patients at 20:00 and at 02:00, every night for two weeks: 12 per shift,
    # but 24 per calendar day. With a cap of 15, only the calendar-day count would fire.
    nights = pd.date_range("2026-07-06", periods=14, freq="D")

    def shifts(user):
        return [
            (user, f"PN{d:%m%d}{k}", f"{d + pd.Timedelta(hours=h, minutes=k):%Y-%m-%d %H:%M}")
            for d in nights
            for h in (20, 26)  # the same 12 patients at 20:xx and again at 02:xx
            for k in range(12)
        ]

    assert "LOG-R-12" not in fired(run(shifts("U3"), bulk_cap=15))  # U3 works nights
    assert "LOG-R-12" in fired(run(shifts("U1"), bulk_cap=15))  # U1 is day shift


def test_access_log_from_excel(tmp_path):
    from audit_lib.access.demo import generate_demo_access

    demo = generate_demo_access(n_users=40, n_patients=300, n_encounters=600, n_events=800)
    log = demo.access_log.head(300).copy()
    log["event_time"] = log["event_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    path = tmp_path / "log.xlsx"
    log.to_excel(path, index=False)
    config = load_config(period="2026Q3")
    kw = {"workforce": demo.workforce, "patients": demo.patients, "encounters": demo.encounters}
    a = detect_alerts(path, config=config, **kw)
    b = detect_alerts(log, config=config, **kw)
    assert a[["rule_id", "event_id", "_row"]].equals(b[["rule_id", "event_id", "_row"]])
