"""The access review end to end in the library: the demo's planted truth, integrity checks
through the suite, cases, loading errors, FHIR import and the relationship join."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit_lib import load_config, run_access_review
from audit_lib.access.demo import generate_demo_access
from audit_lib.access.fhir import read_audit_events
from audit_lib.access.pipeline import detect_alerts
from audit_lib.errors import InputError, MissingColumnsError
from audit_lib.phi import Masker

FHIR = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


@pytest.fixture(scope="module")
def demo():
    return generate_demo_access()


@pytest.fixture(scope="module")
def review():
    return run_access_review(config=load_config(period="2026Q3"))


def test_demo_review_finds_exactly_the_planted_snooping(review, demo):
    a = review.alerts
    found = {
        (r.rule_id, r.user_id, None if pd.isna(r.patient_id) else r.patient_id)
        for r in a.itertuples()
    }
    truth = {
        (r.rule_id, r.user_id, None if pd.isna(r.patient_id) else r.patient_id)
        for r in demo.truth.itertuples()
    }
    assert found == truth
    assert len(truth) == 27  # every scenario, no background noise


def test_demo_integrity_findings_match_the_planted_defects(review, demo):
    f = review.findings
    integrity = f[f["rule_id"].isin(["LOG-I-03", "LOG-I-04", "LOG-KEY-01"])]
    got = set(zip(integrity["rule_id"], integrity["record_key"], integrity["field"], strict=True))
    want = set(demo.integrity_truth.itertuples(index=False, name=None))
    assert got == want
    i05 = f[f["rule_id"] == "LOG-I-05"]
    assert list(i05["record_key"]) == ["X99001"]  # the unmapped account
    assert "LOG-PARSE-01" not in set(f["rule_id"])


def test_counts_reconcile(review):
    c = review.summary["counts"]["access_log"]
    assert c["rows_read"] == c["rows_checked"] == review.log.rows_read
    assert c["rows_read"] == c["rows_in_detection"] + c["rows_left_out"]
    assert c["rows_left_out"] == sum(c["left_out"].values()) == 3


def test_cases_group_alerts_with_evidence_and_escalate_repeat_offenders(review, demo):
    cases = review.cases
    assert cases["score"].is_monotonic_decreasing
    repeat_user = demo.truth.loc[demo.truth["rule_id"] == "LOG-R-16", "user_id"].iloc[0]
    mine = cases[cases["user_id"] == repeat_user]
    assert len(mine) == 1  # one escalated case for the user, not one per patient
    assert mine["rules"].iloc[0] == "LOG-R-07|LOG-R-16" and mine["n_patients"].iloc[0] == 3
    bulk = cases[cases["rules"] == "LOG-R-12"].iloc[0]
    assert bulk["n_patients"] > 100 and bulk["patient"].endswith("patients")
    assert not cases["breach_threshold_reached"].any()
    assert review.summary["cases"]["cases_reaching_breach_threshold"] == 0
    # every case's events are listed, and every alerting event belongs to a case
    assert set(review.case_events["case_id"]) == set(cases["case_id"])
    assert set(review.alerts["event_id"]) <= set(review.case_events["event_id"])
    # evidence is masked: no raw patient id, name or address anywhere in cases
    text = cases.to_csv() + review.case_events.to_csv() + review.findings.to_csv()
    for col in ("patient_id", "last_name", "address_line"):
        for value in demo.patients[col].head(200):
            assert value not in text
    assert Masker().token("MRN8000000") in set(cases["patient"])


def test_breach_threshold_counter(demo):
    config = load_config(period="2026Q3")
    import dataclasses

    low = dataclasses.replace(
        config, access=dataclasses.replace(config.access, breach_threshold=100)
    )
    r = run_access_review(config=low)
    assert r.summary["cases"]["cases_reaching_breach_threshold"] == 1  # the bulk day


# --- integrity through the suite, on hand-made tables ---------------------------------------
def _tables():
    wf = pd.DataFrame(
        {
            "user_id": ["U1", "U2", "U2", "U3"],
            "last_name": ["Garza", "Okafor", "Okafor", None],
            "first_name": ["Sam", "Lee", "Lee", "Kim"],
            "department": ["Cardiology"] * 4,
            "role": ["nurse"] * 4,
            "hire_date": ["2020-01-01", "2020-01-01", "2020-01-01", "2020-13-01"],
        }
    )
    pt = pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "last_name": ["Adams", "Brown"],
            "first_name": ["Ann", "Bo"],
            "dob": ["1950-01-02", "1960/03/04"],
        }
    )
    enc = pd.DataFrame(
        {"patient_id": ["P1", "P2"], "start_date": ["2026-07-14", "2026-07-14"],
         "department": ["Cardiology", "Cardiology"]}
    )  # fmt: skip
    log = pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3", "E4", "E5", "E6", "E2", "E8"],
            "event_time": [
                "2026-07-15T10:00:00-04:00",
                "2026-07-15 10:05",
                "15/07/2026 10:10",  # not ISO: LOG-PARSE-01
                "2026-06-30 10:00",  # before the period: LOG-I-04
                "2026-12-01 10:00",  # after the as-of date: LOG-I-04 (future)
                "2026-07-15 10:20",
                "2026-07-15 10:25",  # repeats E2: LOG-KEY-01
                "2026-07-15 10:30",
            ],
            "user_id": ["U1", "U1", "U1", "U1", "U1", None, "U1", "ZZ9"],
            "patient_id": ["P1", "P2", "P1", "P1", "P1", "P1", "P1", "P2"],
            "action": ["view", "VIEW", "view", "view", "view", "view", "view", "peek"],
        }
    )
    return log, wf, pt, enc


@pytest.fixture(scope="module")
def small():
    log, wf, pt, enc = _tables()
    return run_access_review(
        log,
        workforce=wf,
        patients=pt,
        encounters=enc,
        config=load_config(period="2026Q3", as_of="2026-10-15"),
    )


def test_integrity_findings_and_counts(small):
    f = small.findings
    by = {(r.rule_id, r.row, r.field) for r in f.itertuples()}
    assert ("LOG-PARSE-01", 4, "event_time") in by
    assert ("LOG-PARSE-01", 9, "action") in by
    assert ("LOG-I-04", 5, "event_time") in by and ("LOG-I-04", 6, "event_time") in by
    assert ("LOG-I-03", 7, "user_id") in by
    assert ("LOG-I-03", 4, "event_time") not in by  # reported once, as LOG-PARSE-01
    assert ("LOG-KEY-01", 8, "event_id") in by
    assert ("LOG-I-05", 9, "user_id") in by  # ZZ9: first seen on row 9
    future = f[(f["rule_id"] == "LOG-I-04") & (f["row"] == 6)]["detail"].iloc[0]
    assert "in the future" in future and "2026-10-15" in future
    # reference tables: required value, repeated key, unparseable dates (DOB withheld)
    assert ("LOG-REQ-01", 5, "last_name") in by
    assert ("LOG-KEY-01", 4, "user_id") in by
    assert ("LOG-PARSE-01", 5, "hire_date") in by
    dob = f[(f["rule_id"] == "LOG-PARSE-01") & (f["field"] == "dob")]
    assert dob["dataset"].tolist() == ["patients"] and "withheld" in dob["detail"].iloc[0]
    assert "1960/03/04" not in f.to_csv()
    c = small.summary["counts"]["access_log"]
    assert c["rows_read"] == 8 and c["rows_rejected"] == 2
    assert c["left_out"] == {
        "required_field_empty_or_unparseable": 3,
        "time_outside_period": 2,
        "repeated_event_id": 1,
    }
    assert c["rows_in_detection"] == 2


def test_validation_results_hold_no_protected_values(small):
    text = json.dumps(small.validation)
    for raw in ("P1", "P2", "Garza", "Adams", "1950-01-02"):
        assert f'"{raw}"' not in text


# --- loading ----------------------------------------------------------------------------------
def test_missing_columns_are_named_together(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("event_id,when,user_id\nE1,2026-07-01T10:00:00Z,U1\n")
    with pytest.raises(MissingColumnsError) as err:
        run_access_review(p, workforce=_tables()[1], patients=_tables()[2])
    msg = str(err.value)
    assert "'event_time'" in msg and "'patient_id'" in msg and "'action'" in msg


def test_header_only_log_is_a_clear_error(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("event_id,event_time,user_id,patient_id,action\n")
    with pytest.raises(InputError, match="no data rows"):
        run_access_review(p, workforce=_tables()[1], patients=_tables()[2])


def test_parquet_with_typed_timestamps_gives_the_same_findings(tmp_path, demo):
    from audit_lib.access.demo import write_demo_access

    paths = write_demo_access(demo, tmp_path, fmt="parquet")
    config = load_config(period="2026Q3")
    kw = {k: paths[k] for k in ("workforce", "patients", "encounters")}
    a = detect_alerts(paths["access_log"], config=config, **kw)
    b = detect_alerts(demo.access_log, config=config, **kw)
    assert a["event_id"].tolist() == b["event_id"].tolist() and len(a) > 0


# --- FHIR ---------------------------------------------------------------------------------------
def test_every_hl7_example_imports():
    for folder, version, n in (("r4", "R4", 9), ("r5", "R5", 13), ("r5-ballot", "R5-ballot", 3)):
        files = sorted((FHIR / folder).iterdir())
        files = [f for f in files if f.suffix in (".json", ".xml")]
        frame, info = read_audit_events(files)
        assert info["resources"] == n and info["by_version"] == {version: n}
        assert info["patient_access_events"] + len(info["skipped_without_patient"]) == n
        assert frame["patient_id"].notna().all()


def test_r4_rest_example_maps_to_the_canonical_columns():
    frame, _ = read_audit_events(FHIR / "r4" / "AuditEvent-example-rest.json")
    row = frame.iloc[0].to_dict()
    assert row["event_id"] == "example-rest" and row["user_id"] == "95"
    assert row["patient_id"] == "example" and row["action"] == "view"
    assert row["event_time"] == "2013-06-20T23:42:24+00:00"
    assert row["workstation_id"] == "Workstation1.ehr.familyclinic.com"


def test_break_glass_in_r5_and_in_the_ballot_xml():
    for path in (
        FHIR / "r5" / "AuditEvent-example-breakglass-start.json",
        FHIR / "r5-ballot" / "auditevent-example-breakglass-start.xml",
    ):
        row = read_audit_events(path)[0].iloc[0]
        assert row["break_the_glass"] == "True" and row["btg_reason"] == "Emergency Treatment"
        assert row["user_id"] == "f001"


def _event(i: int, user: str, patient: str | None, when: str, version: str = "R4") -> dict:
    res = {
        "resourceType": "AuditEvent",
        "id": f"ev{i}",
        "action": "R",
        "recorded": when,
        "agent": [{"who": {"identifier": {"value": user}}, "requestor": True}],
        "source": {"observer": {"display": "EHR"}},
        "entity": [{"what": {"reference": f"Patient/{patient}"}}] if patient else [],
    }
    if version == "R4":
        res["type"] = {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110"}
    else:
        res["code"] = {"coding": [{"code": "110110"}]}
        res["source"] = {"observer": {"display": "EHR"}}
    return res


def test_bundles_and_ndjson_built_here(tmp_path):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": _event(1, "U1", "P1", "2026-07-15T14:00:00Z")},
                  {"resource": _event(2, "U1", None, "2026-07-15T14:01:00Z")}],
    }  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps(bundle))
    lines = [json.dumps(_event(i, "U2", "P2", "2026-07-16T14:00:00Z", "R5")) for i in (3, 4)]
    (tmp_path / "e.ndjson").write_text("\n".join(lines) + "\n\n")
    frame, info = read_audit_events([tmp_path / "b.json", tmp_path / "e.ndjson"])
    assert frame["event_id"].tolist() == ["ev1", "ev3", "ev4"]
    assert info["skipped_without_patient"] == ["ev2"]
    assert info["by_version"] == {"R4": 2, "R5": 2}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"resourceType": "Patient", "id": "x"}', "is a Patient, not an AuditEvent"),
        ('{"resourceType": "AuditEvent", "id": "x", "action": "Z"}', "not a valid FHIR"),
    ],
)
def test_bad_fhir_is_a_clear_error(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(InputError, match=message):
        read_audit_events(p)


def test_fhir_events_run_through_the_review(tmp_path):
    events = [_event(i, "U1", "P1", f"2026-07-15T{10 + i:02d}:00:00Z") for i in range(3)]
    (tmp_path / "e.ndjson").write_text("\n".join(json.dumps(e) for e in events))
    _, wf, pt, enc = _tables()
    r = run_access_review(
        tmp_path / "e.ndjson", workforce=wf, patients=pt, encounters=enc,
        config=load_config(period="2026Q3"),
    )  # fmt: skip
    assert r.summary["counts"]["access_log"]["rows_in_detection"] == 3
    assert r.summary["fhir_import"]["by_version"] == {"R4": 3}
    assert r.source.startswith("FHIR AuditEvent")


# --- the relationship join against a brute-force oracle ----------------------------------------
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2"]),
            st.integers(0, 60),
            st.integers(0, 5),
            st.sampled_from(["U1", "U2", ""]),
            st.sampled_from(["Cardiology", "Oncology", ""]),
        ),
        max_size=6,
    ),
    st.lists(
        st.tuples(st.sampled_from(["U1", "U2"]), st.sampled_from(["P1", "P2"]), st.integers(0, 60)),
        min_size=1,
        max_size=6,
    ),
)
def test_relationship_matches_brute_force(encounters, events):
    start = dt.date(2026, 7, 1)
    wf = pd.DataFrame(
        {"user_id": ["U1", "U2"], "last_name": ["A", "B"], "first_name": ["C", "D"],
         "department": ["Cardiology", "Oncology"], "role": ["nurse", "nurse"]}
    )  # fmt: skip
    pt = pd.DataFrame({"patient_id": ["P1", "P2"], "last_name": ["E", "F"], "first_name": "G"})
    enc = pd.DataFrame(
        [
            {
                "patient_id": p,
                "start_date": f"{start + dt.timedelta(days=s):%Y-%m-%d}",
                "end_date": f"{start + dt.timedelta(days=s + n):%Y-%m-%d}",
                "user_id": u,
                "department": d,
            }
            for p, s, n, u, d in encounters
        ],
        columns=["patient_id", "start_date", "end_date", "user_id", "department"],
    )
    log = pd.DataFrame(
        [
            {
                "event_id": f"E{i}",
                "event_time": f"{start + dt.timedelta(days=day):%Y-%m-%d} 10:00",
                "user_id": u,
                "patient_id": p,
                "action": "view",
            }
            for i, (u, p, day) in enumerate(events)
        ]
    )
    config = load_config(period="2026Q3", as_of="2026-12-31")
    a = detect_alerts(log, workforce=wf, patients=pt, encounters=enc, config=config)
    flagged = set(a.loc[a["rule_id"] == "LOG-R-07", "event_id"])
    dept = dict(zip(wf["user_id"], wf["department"], strict=True))
    expected = set()
    for i, (u, p, day) in enumerate(events):
        related = any(
            pe == p and (ue == u or (de and de == dept[u])) and s - 30 <= day <= s + n + 30
            for pe, s, n, ue, de in encounters
        )
        if not related:
            expected.add(f"E{i}")
    assert flagged == expected
