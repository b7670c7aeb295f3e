"""Revenue-cycle KPIs by their named definitions, on populations whose figures are worked by
hand here (each test cites the definition it reproduces)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from audit_lib import load_config, run_claims_review
from audit_lib.claims.kpis import provider_adjustment_table
from audit_lib.claims.standard_kpis import net_collection_rate
from audit_lib.x12.importer import read_835
from tests.conftest import make_claims

LFH = Path(__file__).parents[1] / "fixtures" / "x12" / "linuxforhealth-x12" / "835_005010X221A1"

DENIED = {
    "claim_status": "denied",
    "allowed_amount": "0.00",
    "paid_amount": "0.00",
    "patient_responsibility": "0.00",
    "adjustment_codes": "CO-50",
    "paid_date": "",
}


@pytest.fixture
def worked(write_claims):
    """2026Q3 (92 days), as of 2026-09-30. C1000 paid (100 billed, 80 allowed, 64 paid);
    C1001 denied (200); C1002 one paid line (150 / 120 / 96) and one denied (50); C1003
    pending (310, not adjudicated); C1004 void (500)."""
    frame = make_claims(
        {},
        {**DENIED, "billed_amount": "200.00"},
        {"billed_amount": "150.00", "allowed_amount": "120.00", "paid_amount": "96.00",
         "patient_responsibility": "24.00"},
        {**DENIED, "billed_amount": "50.00", "line_number": "2"},
        {"claim_status": "pending", "allowed_amount": "", "paid_amount": "", "paid_date": "",
         "patient_responsibility": "", "adjustment_codes": "", "billed_amount": "310.00"},
        {"claim_status": "void", "billed_amount": "500.00"},
    )  # fmt: skip
    frame.loc[3, ["claim_id", "patient_id"]] = frame.loc[2, ["claim_id", "patient_id"]].values
    frame["claim_id"] = ["C1000", "C1001", "C1002", "C1002", "C1003", "C1004"]
    return run_claims_review(write_claims(frame), config=load_config(period="2026Q3")).kpis


def test_denial_rate_hfma_by_claims_dollars_and_lines(worked):
    """HFMA Claim Integrity Task Force (2020), initial denial rate: claims with a denied line
    / claims remitted = 2/3 (C1001, C1002 of C1000-C1002); denied charges / charges adjudicated
    = (200 + 50) / (100 + 200 + 150 + 50) = 0.5; lines 2/4. The old all-lines-denied count
    gave 1/3."""
    assert worked["denial_rate"] == round(2 / 3, 6)
    assert worked["denial_rate_dollars"] == 0.5
    assert worked["denial_rate_lines"] == 0.5
    d = worked["definitions"]["denial_rate"]
    assert d["inputs"]["claims_remitted"] == 3 and d["inputs"]["denied_line_charges"] == 250.0
    assert "Claim Integrity Task Force" in d["standard"]
    by_payer = worked["tables"]["denials_by_payer"].iloc[0]
    assert (by_payer["claims_adjudicated"], by_payer["claims_denied"]) == (3, 2)
    assert by_payer["denial_rate_dollars"] == 0.5


def test_net_collection_rate_mgma_keeps_denied_charges(worked):
    """MGMA adjusted FFS collection percentage: payments / (charges - contractual). Payments
    64 + 96 = 160; charges 500; contractual (no 835s) = charges - allowed on the paid lines =
    20 + 30 = 50; 160 / 450. Paid / allowed (the old figure) would be 0.8."""
    assert worked["net_collection_rate"] == round(160 / 450, 6)
    d = worked["definitions"]["net_collection_rate"]
    assert d["inputs"]["contractual_adjustments"] == 50.0 and d["inputs"]["charges"] == 500.0
    assert any("payer payments only" in s for s in d["not_in_extract"])


def test_patient_payments_count_when_the_extract_gives_them(write_claims):
    """MGMA counts payer and patient payments: a patient_paid_amount column (parsed as an
    amount) adds to the numerator: (64 + 16) / (100 - 20)."""
    frame = make_claims({"patient_paid_amount": "16.00"})
    k = run_claims_review(write_claims(frame), config=load_config(period="2026Q3")).kpis
    assert k["net_collection_rate"] == 1.0
    d = k["definitions"]["net_collection_rate"]
    assert d["inputs"]["patient_payments"] == 16.0 and not d["not_in_extract"]


def test_days_in_ar_net_by_hfma_map_key_and_gross_beside_it(worked):
    """Open at 2026-09-30: the denied lines (200, 50) and the pending one (310); the void one
    is out. Gross: 560 / (810 / 92) = 63.6. Net (HFMA MAP Key, net A/R / average daily net
    patient service revenue): realisation 200 / 500 = 0.4, so the pending line nets 124 and the
    denied lines 0; net revenue 80 + 120 + 124 = 324; 124 / (324 / 92) = 35.2."""
    assert worked["gross_days_in_ar"] == round(560 / (810 / 92), 1) == 63.6
    assert worked["net_days_in_ar"] == round(124 / (324 / 92), 1) == 35.2
    net = worked["definitions"]["net_days_in_ar"]["inputs"]
    assert net["realisation_rate"] == 0.4 and net["net_ar_estimated_amount"] == 124.0
    assert worked["definitions"]["gross_days_in_ar"]["inputs"]["gross_ar"] == 560.0


def test_clean_claim_rate_is_labelled_a_proxy(worked):
    d = worked["definitions"]["clean_claim_rate"]
    assert d["proxy"] is True and "CL-1" in d["standard"]
    assert d["label"] == "Clean-claim rate (proxy)"


def test_contractual_adjustments_from_the_835_are_the_co_non_denial_reasons():
    """With 835s, contractual = CO-45 (and the like) on the claims they answer: 30 on C1. The
    CO-50 denial stays in the denominator and the 999 of a claim not in the extract is out:
    60 / (200 - 30)."""
    lines = pd.DataFrame(
        {"claim_id": ["C1", "C1"], "billed_amount": [100.0, 100.0], "paid_amount": [60.0, 0.0],
         "allowed_amount": [70.0, 0.0], "claim_status": ["paid", "denied"]}
    )  # fmt: skip
    adjustments = pd.DataFrame(
        {"claim_id": ["C1", "C1", "C1", "C9"], "group": ["CO", "CO", "PR", "CO"],
         "carc": ["45", "50", "2", "45"], "amount": [30.0, 100.0, 10.0, 999.0]}
    )  # fmt: skip
    k = net_collection_rate(lines, pd.Series([True, True]), adjustments)
    assert k.value == round(60 / 170, 6)
    assert k.inputs["contractual_from_835"] == 30.0
    assert k.inputs["lines_with_contractual_from_835"] == 2
    assert k.inputs["contractual_from_charges_less_allowed"] == 0.0


def test_plb_adjustments_are_listed_in_the_adjustment_analysis():
    """medicare-part-a.835 carries PLB*6543210903*20021231*CV:CP*-1.27: one capital
    passthru (X12 PLB03-1 CV) of -1.27 (added to the payment)."""
    remits, _, _ = read_835(LFH / "medicare-part-a.835")
    t = provider_adjustment_table(remits.provider_adjustments)
    assert t.to_dict("records") == [
        {"reason": "CV", "meaning": "capital passthru", "adjustments": 1, "amount": -1.27}
    ]
