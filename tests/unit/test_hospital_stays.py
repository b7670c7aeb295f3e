"""The payment window (CLM-WIN-01, 42 CFR 412.2(c)(5)) and the two-midnight benchmark
(CLM-2MN-01, 42 CFR 412.3(d)(1)), rulebook §1.12.7-8, through the whole claims review.

Each patient below is one case, worked by hand from the regulation's text: the window is the 3
days before the admission (1 day for the hospitals 412.2(c)(5)(ii) lists), the admission day
and the stay, not the discharge day (OIG A-01-17-00508's scope); ambulance and maintenance
dialysis are excluded (Noridian JE "3-Day Payment Window"); a non-diagnostic service with
condition code 51 is unrelated, a diagnostic one (Pub. 100-04 ch. 3 §40.3 revenue codes) never
is (CMS MLN SE20024). Midnights are discharge - admission, plus the hospital's ED/observation
care running into the admission; death (status 20) and transfers are unforeseen circumstances.
"""

from __future__ import annotations

import pandas as pd
import pytest

from audit_lib.claims.pipeline import compute_claims_review
from audit_lib.config import load_config
from tests.unit.test_institutional_rules import INPATIENT, OUTPATIENT

NPI, OTHER_NPI, ONE_DAY_NPI = "1234567893", "1245319599", "1972628563"


def stay(patient, admit, discharge, *, status="01", npi=NPI, payer="medicare", claim=None):
    return {**INPATIENT, "claim_id": claim or f"IP-{patient}", "patient_id": patient,
            "admission_date": admit, "discharge_date": discharge, "service_date": admit,
            "service_date_to": discharge, "patient_status": status, "billing_npi": npi,
            "payer_type": payer, "line_number": 1, "revenue_code": "0120", "units": 1,
            "billed_amount": 3000.0}  # fmt: skip


def outpatient(patient, claim, lines, *, npi=NPI, codes=""):
    """Lines (line number, date, revenue code, HCPCS, billed) of one 0131 claim."""
    return [
        {**OUTPATIENT, "claim_id": claim, "patient_id": patient, "billing_npi": npi,
         "condition_codes": codes, "line_number": n, "service_date": day, "revenue_code": rev,
         "procedure_code": hcpcs, "units": 1, "billed_amount": billed}
        for n, day, rev, hcpcs, billed in lines
    ]  # fmt: skip


LINES = [
    # A: admitted 08-10, discharged 08-13 (window 08-07 .. 08-12)
    stay("A", "2026-08-10", "2026-08-13"),
    *outpatient("A", "OPA1", [
        (1, "2026-08-07", "0300", "85025", 42.0),   # lab on A-3: in the window
        (2, "2026-08-06", "0300", "85025", 42.0),   # before it
        (3, "2026-08-13", "0300", "85025", 42.0),   # the discharge day: outside
        (4, "2026-08-09", "0540", "A0427", 650.0),  # ambulance: excluded
        (5, "2026-08-09", "0510", "G0463", 120.0),  # clinic visit, no code 51: in the window
    ]),
    *outpatient("A", "OPA2", [
        (1, "2026-08-08", "0510", "G0463", 120.0),  # non-diagnostic with code 51: unrelated
        (2, "2026-08-12", "0320", "71046", 90.0),   # diagnostic imaging: bundled despite 51
    ], codes="51|42"),
    # B: the outpatient claim is another NPI: not the same hospital unless [hospital] says so
    stay("B", "2026-08-10", "2026-08-12"),
    *outpatient("B", "OPB", [(1, "2026-08-09", "0300", "85025", 42.0)], npi=OTHER_NPI),
    # C: a 1-day-window hospital: A-2 is outside, A-1 inside
    stay("C", "2026-08-10", "2026-08-12", npi=ONE_DAY_NPI),
    *outpatient("C", "OPC", [(1, "2026-08-08", "0300", "85025", 42.0),
                             (2, "2026-08-09", "0300", "85025", 42.0)], npi=ONE_DAY_NPI),
    # D: one midnight, discharged home: the review indicator
    stay("D", "2026-08-20", "2026-08-21"),
    # E: one midnight, died (status 20): an unforeseen circumstance
    stay("E", "2026-08-20", "2026-08-21", status="20"),
    # F: one midnight after a night in the ED the day before: two in the hospital
    stay("F", "2026-08-20", "2026-08-21"),
    *outpatient("F", "OPF", [(1, "2026-08-19", "0450", "99284", 890.0)]),
    # G: a same-day commercial stay: outside the two-midnight scope
    stay("G", "2026-08-20", "2026-08-20", payer="commercial"),
]  # fmt: skip


def review(tmp_path, lines=LINES, config_text: str | None = None):
    path = tmp_path / "claims.csv"
    pd.DataFrame(lines).to_csv(path, index=False)
    config = None
    if config_text:
        (tmp_path / "audit.toml").write_text(config_text)
        config = tmp_path / "audit.toml"
    return compute_claims_review(path, config=load_config(config, period="2026Q3"))


def keys(r, rule: str) -> list[str]:
    return sorted(r.findings.loc[r.findings["rule_id"] == rule, "record_key"])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    config = f'[hospital]\none_day_window_npis = ["{ONE_DAY_NPI}"]\n'
    return review(tmp_path_factory.mktemp("stays"), config_text=config)


def test_payment_window_lines(base):
    # A's lab on A-3, clinic visit without code 51, imaging with code 51; C's A-1; F's ED visit
    assert keys(base, "CLM-WIN-01") == ["OPA1:1", "OPA1:5", "OPA2:2", "OPC:2", "OPF:1"]
    f = base.findings[base.findings["rule_id"] == "CLM-WIN-01"].set_index("record_key")
    assert f.loc["OPA2:2", "detail"].startswith("outpatient line of 2026-08-12, a diagnostic")
    assert (
        "3-day payment window of inpatient claim IP-A (admitted 2026-08-10"
        in (f.loc["OPA1:1", "detail"])
    )
    assert "1-day payment window" in f.loc["OPC:2", "detail"]
    assert f.loc["OPA1:5", "amount"] == 120.0 and f.loc["OPA1:5", "severity"] == "error"


def test_two_midnights(base):
    assert keys(base, "CLM-2MN-01") == ["IP-D:1"]
    found = base.findings[base.findings["rule_id"] == "CLM-2MN-01"]
    f = found.set_index("record_key").loc["IP-D:1"]
    assert f["severity"] == "warning" and "inpatient stay of 1 midnight(s)" in f["detail"]
    assert base.summary["hospital_stays"]["CLM-2MN-01"]["stays"] == 6  # A-F; G is commercial


def test_npis_of_one_hospital_share_a_window(tmp_path):
    config = (
        f'[hospital]\nfacility_of = {{ "{NPI}" = "CCN 330001", "{OTHER_NPI}" = "CCN 330001" }}\n'
    )
    r = review(tmp_path, config_text=config)
    assert "OPB:1" in keys(r, "CLM-WIN-01")
    assert "OPC:1" in keys(r, "CLM-WIN-01")  # without one_day_window_npis: 3 days


def test_an_exempt_hospital_has_no_window(tmp_path):
    exempt = f'[hospital]\nwindow_exempt_npis = ["{NPI}", "{ONE_DAY_NPI}"]\n'  # CAHs
    r = review(tmp_path, config_text=exempt)
    assert keys(r, "CLM-WIN-01") == []


def test_without_admission_dates_the_rules_are_not_evaluated(tmp_path):
    lines = [{k: v for k, v in ln.items() if k not in ("admission_date",)} for ln in LINES]
    r = review(tmp_path, lines)
    assert keys(r, "CLM-WIN-01") == keys(r, "CLM-2MN-01") == []
    skipped = {s["rule_id"] for s in r.summary["not_evaluated"]}
    assert {"CLM-WIN-01", "CLM-2MN-01"} <= skipped


def test_hospital_kpis(base):
    """Hand count over LINES: 7 stays (A-G); LOS A 3, B 2, C 2, D 1, E 1, F 1, G max(1, 0) = 1:
    11 / 7 = 1.57; short stays (< 2 midnights) D, E, F, G; no transfer status; no DRG billed."""
    from audit_lib.reporting import hospital_table

    h = base.summary["hospital"]
    assert (h["inpatient_stays"], h["stays_with_dates"], h["average_length_of_stay"]) == (
        7,
        7,
        1.57,
    )
    assert (h["short_stays"], h["acute_transfers"], h["post_acute_transfers"]) == (4, 0, 0)
    assert h["drg_mismatches"] == 0 and h["top_drg_pairs"] == []
    assert "IPPS Table 5" in h["not_computed"][0]
    table = hospital_table(base)
    assert table.iloc[2].tolist()[:2] == ["Short stays", "4 (57.1%)"]
