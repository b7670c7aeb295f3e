"""835 remittances applied at the level the payer adjudicated them (RULEBOOK 1.11; X12 835
TR3 balancing): claim-level CLPs without SVC lines, claim-level CAS beside SVC lines, allowed
amounts without AMT*B6, provider-level PLB adjustments and transaction balancing (CLM-AMT-08),
and which claim and which remittance a CLP answers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit_lib import load_config
from audit_lib.errors import ConfigError
from audit_lib.x12.apply835 import allocate, apply_remits
from audit_lib.x12.importer import read_835
from audit_lib.x12.reader import read_x12
from audit_lib.x12.remit835 import balance_findings, remits_from_835
from tests.conftest import make_claims

X12 = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
LFH = X12 / "linuxforhealth-x12" / "835_005010X221A1"


@given(
    total=st.integers(-10**9, 10**9),
    weights=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12),
)
def test_allocation_adds_up_and_is_proportional_to_the_cent(total, weights):
    cents = allocate([total] * len(weights), weights, [0] * len(weights))
    assert cents.sum() == total
    wsum = sum(weights)
    exact = [total * w / wsum for w in weights] if wsum else [total / len(weights)] * len(weights)
    assert all(abs(c - e) < 1 + 1e-6 * abs(total) for c, e in zip(cents, exact, strict=True))


def _claims(*lines) -> pd.DataFrame:
    return make_claims(*lines).astype("string").assign(
        allowed_amount="", paid_amount="", patient_responsibility="", adjustment_codes="",
        claim_status="", paid_date="",
    )  # fmt: skip


def test_a_claim_level_remittance_applies_to_every_line_of_the_claim():
    # medicare-part-a.835: two inpatient CLPs with no SVC, CO-45 at claim level
    claims = _claims(
        {"claim_id": "666123", "line_number": "1", "billed_amount": "200000.00"},
        {"claim_id": "666123", "line_number": "2", "billed_amount": "11366.97"},
        {"claim_id": "777777", "line_number": "1", "billed_amount": "15000.00"},
    )
    remits, found, _ = read_835(LFH / "medicare-part-a.835")
    out, stats = apply_remits(claims, remits)
    assert stats["lines_from_claim_level_remittances"] == 3 and found.empty
    paid = out.groupby("claim_id")["paid_amount"].apply(lambda s: s.astype(float).sum())
    assert paid.to_dict() == pytest.approx({"666123": 138018.40, "777777": 11980.33})
    # apportioned by charge, to the cent: 138018.40 x 200000 / 211366.97 = 130595.996 and
    # 138018.40 x 11366.97 / 211366.97 = 7422.404: the cent left over goes to the larger part
    assert out["paid_amount"].tolist()[:2] == ["130596.00", "7422.40"]
    assert set(out["claim_status"]) == {"paid"} and set(out["adjustment_codes"]) == {"CO-45"}
    assert set(out["remit_level"]) == {"claim"}
    assert out["allowed_amount"].tolist() == out["paid_amount"].tolist()  # no cost sharing


def test_claim_level_cas_beside_svc_lines_is_not_paid_twice():
    # managed-care.835: SVC03 500.00 but CLP04 450.00 (CAS*CO*A2*50.00 at claim level)
    claims = _claims(
        {"claim_id": "5554555444", "billed_amount": "800.00"},
        {"claim_id": "8765432112", "billed_amount": "1200.00"},
    )
    remits, found, _ = read_835(LFH / "managed-care.835")
    out, stats = apply_remits(claims, remits)
    assert found.empty and stats["lines_with_claim_level_adjustments"] == 2
    assert out["paid_amount"].tolist() == ["450.00", "495.00"]  # CLP04, not SVC03
    assert out["adjustment_codes"].tolist() == ["PR-1|CO-A2", "PR-1|CO-45|CO-A2"]
    # no AMT*B6: allowed = paid + the patient's cost sharing (PR-1 deductible)
    assert out["allowed_amount"].tolist() == ["750.00", "1095.00"]
    assert out["patient_responsibility"].tolist() == ["300.00", "600.00"]


def test_amt_b6_is_the_allowed_amount_when_the_payer_sends_it():
    claims = _claims(
        {"claim_id": "0001000053", "line_number": "1", "billed_amount": "166.50"},
        {"claim_id": "0001000053", "line_number": "2", "billed_amount": "585.00"},
    )
    remits, _, _ = read_835(LFH / "secondary-payment.835")
    out, _ = apply_remits(claims, remits)
    assert out["allowed_amount"].tolist() == ["150.00", "500.00"]
    assert out["paid_amount"].tolist() == ["30.00", "280.00"]


def _remit(clps: list[str], paid_on: str = "20260815", paid: str = "0.00") -> str:
    isa = ("ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*" + "PAYER".ljust(15) + "*ZZ*"
           + "PROVIDER".ljust(15) + "*260815*1200*^*00501*000000001*0*P*:~")  # fmt: skip
    body = [f"BPR*I*{paid}*C*CHK************{paid_on}", "TRN*1*1*1", "N1*PR*PAYER", *clps]
    st_ = ["ST*835*0001*005010X221A1", *body, f"SE*{len(body) + 2}*0001"]
    gs = "GS*HP*P*R*20260815*1200*1*X*005010X221A1~"
    return isa + gs + "~".join(st_) + "~GE*1*1~IEA*1*000000001~"


def test_a_denial_without_service_lines_denies_every_line(tmp_path):
    p = tmp_path / "denial.835"
    p.write_text(_remit(["CLP*C1*4*300.00*0*0*12*ICN1", "CAS*CO*50*300.00"]))
    claims = _claims(
        {"claim_id": "C1", "line_number": "1", "billed_amount": "100.00"},
        {"claim_id": "C1", "line_number": "2", "billed_amount": "200.00"},
    )
    remits, found, _ = read_835(p)
    out, _ = apply_remits(claims, remits)
    assert found.empty
    cols = ["claim_status", "paid_amount", "allowed_amount", "adjustment_codes"]
    assert out[cols].values.tolist() == [["denied", "0.00", "0.00", "CO-50"]] * 2


def test_a_later_remittance_replaces_an_earlier_one_whatever_the_file_order(tmp_path):
    later = tmp_path / "a_reversal.835"  # sorts first, paid later
    later.write_text(_remit(["CLP*C1*22*-100.00*-80.00*0*12*ICN1", "CAS*CO*45*-20.00"],
                            paid_on="20260901", paid="-80.00"))  # fmt: skip
    earlier = tmp_path / "b_payment.835"
    earlier.write_text(_remit(["CLP*C1*1*100.00*80.00*0*12*ICN1", "CAS*CO*45*20.00"],
                              paid_on="20260801", paid="80.00"))  # fmt: skip
    remits, found, _ = read_835([later, earlier])
    out, stats = apply_remits(_claims({"claim_id": "C1", "billed_amount": "100.00"}), remits)
    assert found.empty and stats["claims_with_several_remittances"] == 1
    assert (out["claim_status"].iloc[0], out["paid_amount"].iloc[0]) == ("void", "-80.00")


def test_a_clp_answers_the_claim_with_its_control_number_and_charge(tmp_path):
    p = tmp_path / "r.835"
    p.write_text(_remit(["CLP*A*1*200.00*150.00*0*12*ICN", "CAS*CO*45*50.00"], paid="150.00"))
    claims = _claims(
        {"claim_id": "A#1", "billed_amount": "100.00"},
        {"claim_id": "A#2", "billed_amount": "200.00"},
    ).assign(patient_control_number="A", claim_charge=["100.00", "200.00"])
    out, stats = apply_remits(claims, read_835(p)[0])
    assert out["paid_amount"].fillna("").tolist() == ["", "150.00"]  # the 200.00 claim
    assert stats["claims_matched"] == 1


def test_provider_level_adjustments_are_kept_and_the_payment_balanced():
    rm = remits_from_835(read_x12(LFH / "medicare-part-a.835"))
    plb = rm.provider_adjustments
    assert plb[["reason", "reference", "amount"]].values.tolist() == [["CV", "CP", -1.27]]
    # BPR02 150000.00 = CLP04 138018.40 + 11980.33 - PLB (-1.27): balanced
    assert balance_findings(rm, source="m").empty
    grip = remits_from_835(read_x12(X12 / "oopfactory-x12" / "INS" / "_835" / "_4010"
                                    / "Example1_GripElements.txt"))  # fmt: skip
    f = balance_findings(grip, source="g")
    assert f.loc[f["rule_id"] == "CLM-AMT-08", "detail"].tolist() == [
        "claim payments 5.75 - provider adjustments (PLB) -1.27 = 7.02, but the payment "
        "(BPR02) is 5.75"
    ]
    _, _, info = read_835(LFH / "medicare-part-a.835")
    assert info["provider_adjustments"]["count"] == 1
    assert info["provider_adjustments"]["by_reason"] == {"CV": -1.27}


def test_remittances_without_claims_are_refused_not_reviewed_against_the_demo():
    from audit_lib import run_claims_review

    with pytest.raises(ConfigError, match="without the claims they answer"):
        run_claims_review(None, remits=LFH, config=load_config(period="2026Q3"))
