"""X12 import on every fixture file: 837P/837I claim lines, 835 remittances and their
balancing, negative cases, separator variants, and the segments pyx12 reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from audit_lib.errors import InputError
from audit_lib.x12.claims837 import claims_from_837
from audit_lib.x12.importer import read_835, read_837
from audit_lib.x12.reader import X12Error, read_x12
from audit_lib.x12.remit835 import balance_findings, remits_from_835

X12 = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
IMS = X12 / "imsweb-x12-parser" / "837_5010"
LFH = X12 / "linuxforhealth-x12"
EDI = X12 / "edi-835-parser"

# file -> (claims, lines, total line charges), read by hand from the files
CLAIMS_837 = {
    IMS / "x12_valid.txt": (2, 2, 24.50),
    IMS / "x12_valid_different_separators.txt": (2, 2, 24.50),
    IMS / "x12_complex.txt": (3, 10, 124.76),  # 6 CLM, 3 distinct ids
    IMS / "x12_many_claims.txt": (2, 820, 10045.00),
    IMS / "x12_multiple_isa.txt": (4, 4, 49.00),
    IMS / "x12_multiple_gs.txt": (2, 6, 73.50),
    IMS / "x12_multiple_st.txt": (2, 4, 49.00),
    IMS / "x223-test.txt": (1, 1, 73.42),
    LFH / "837_005010X223A3" / "institutional-claim.837i": (1, 2, 89.93),
    LFH / "837_005010X223A3" / "two-claims-single-provider.837i": (2, 3, 139.95),
}
NEGATIVE = {
    "x12_bad_first_line.txt": "segment 1 (ISA*00*  ",
    "x12_bad_valid_code.txt": "must start with NM1*85, found NM1*117",
    "x12_missing_elements.txt": "NM102 (entity type) is missing",
    "x12_segments_out_of_order.txt": "N3 must precede N4",
}


@pytest.mark.parametrize("path", list(CLAIMS_837), ids=lambda p: p.name)
def test_837_counts_and_amounts(path):
    claims, lines, charges = CLAIMS_837[path]
    t = claims_from_837(read_x12(path))
    assert t["claim_id"].nunique() == claims and len(t) == lines
    assert t["billed_amount"].astype(float).sum() == pytest.approx(charges)


def test_every_837_fixture_imports():
    files = sorted((LFH / "837_005010X222A2").iterdir()) + sorted(
        (LFH / "837_005010X223A3").iterdir()
    )
    files = [f for f in files if f.suffix in (".837", ".837i")]
    assert len(files) == 22
    for f in files:
        t = claims_from_837(read_x12(f))
        assert len(t) >= 1 and t["billing_npi"].str.len().eq(10).all(), f.name
        kind = "institutional" if f.suffix == ".837i" else "professional"
        assert (t["claim_type"] == kind).all()


@pytest.mark.parametrize("name", list(NEGATIVE))
def test_negative_cases_fail_with_the_segment_named(name):
    with pytest.raises(X12Error) as err:
        claims_from_837(read_x12(IMS / name))
    assert NEGATIVE[name] in str(err.value) and name in str(err.value)


def test_837p_line_fields():
    t = claims_from_837(read_x12(IMS / "x12_valid.txt")).iloc[0]
    assert t["claim_id"] == "A37YH556" and t["procedure_code"] == "99211"
    assert t["modifier_1"] == "25" and t["billed_amount"] == "12.25" and t["units"] == "1"
    assert t["place_of_service"] == "11" and t["billing_npi"] == "1234567890"
    assert t["diagnosis_pointers"] == "1" and t["claim_type"] == "professional"


def test_837i_revenue_lines_and_icd9_codes_are_kept():
    t = claims_from_837(read_x12(LFH / "837_005010X223A3" / "institutional-claim.837i"))
    assert t["revenue_code"].tolist() == ["0305", "0730"]
    assert t["procedure_code"].tolist() == ["85025", "93005"]
    assert t["diagnosis_1"].iloc[0] == "3669"  # ICD-9 (BK): kept, for CLM-DX-01 to flag
    assert t["frequency_code"].iloc[0] == "1"


def test_separator_variants_read_the_same():
    a = claims_from_837(read_x12(IMS / "x12_valid.txt"))
    b = claims_from_837(read_x12(IMS / "x12_valid_different_separators.txt"))
    pd.testing.assert_frame_equal(a.drop(columns="x12_segment"), b.drop(columns="x12_segment"))


def test_the_reader_agrees_with_pyx12_on_every_fixture(tmp_path):
    pyx12 = pytest.importorskip("pyx12.x12file")
    files = [
        f
        for f in sorted(X12.rglob("*"))
        if f.is_file()
        and f.suffix not in (".csv", ".md", ".html")
        and "LICENSE" not in f.name
        and f.name not in NEGATIVE
        and f.name != "blue_cross_nc_sample.txt"  # no ISA: pyx12 refuses it, we read it
        and f.name != "UnicodeExample.txt"  # UTF-16 and cut short: both refuse it
    ]
    assert len(files) > 80
    for f in files:
        ours = [s.elements for _, _, segs in read_x12(f).transactions for s in segs]
        plain = tmp_path / f.name  # pyx12 reads ASCII only: the same text without a BOM,
        data = f.read_bytes().decode("utf-8-sig").encode("ascii", "replace")
        if data[84:89] == b"99999":  # and knows ISA12 00401/00501 only (de-identified: 99999)
            data = data[:84] + b"00401" + data[89:]
        plain.write_bytes(data)
        theirs = []
        inside = False
        for seg in pyx12.X12Reader(str(plain)):
            sid = seg.get_seg_id().strip()  # pyx12 keeps tabs that indent a segment
            inside = inside or sid == "ST"
            if inside:
                theirs.append(sid)
            if sid == "SE":
                inside = False
        assert [e[0] for e in ours] == theirs, f.name


# --- 835 ------------------------------------------------------------------------------------
REMITS = {
    # file -> (claims, lines, line charges, line paid)
    EDI / "test_edi_835_files" / "emedny_sample.txt": (3, 10, 102.50, 45.75),
    EDI / "test_edi_835_files" / "united_healthcare_legacy_sample.txt": (2, 5, 1157.52, 349.99),
    LFH / "835_005010X221A1" / "managed-care.835": (2, 2, 2000.0, 1050.0),
    LFH / "835_005010X221A1" / "medicare-part-a.835": (2, 0, 0.0, 0.0),
    X12 / "pyx12" / "835_mult_loops.txt": (1, 3, 915.39, 0.0),
}


@pytest.mark.parametrize("path", list(REMITS), ids=lambda p: p.name)
def test_835_counts_and_amounts(path):
    claims, n, charge, paid = REMITS[path]
    rm = remits_from_835(read_x12(path))
    lines, cl = rm.lines, rm.claims
    assert len(cl) == claims and len(lines) == n
    if n:
        assert lines["line_charge"].sum() == pytest.approx(charge)
        assert lines["line_paid"].sum() == pytest.approx(paid)


def test_balanced_remittances_give_no_finding():
    for path in [*REMITS, *(LFH / "835_005010X221A1").glob("*-payment.835")]:
        if path.name == "tertiary-payment.835":
            continue
        rm = remits_from_835(read_x12(path))
        assert balance_findings(rm, source=path.name).empty, path.name


def test_unbalanced_and_malformed_lines_are_clm_amt_03():
    rm = remits_from_835(read_x12(LFH / "835_005010X221A1" / "tertiary-payment.835"))
    f = balance_findings(rm, source="t")
    assert f["rule_id"].tolist() == ["CLM-AMT-03"]  # SVC02 holds the code: shifted elements
    assert "24599.00 - adjustments 1579.00" in f["detail"].iloc[0]
    blue = EDI / "test_edi_835_files" / "blue_cross_nc_sample.txt"  # no envelope; empty SVC02
    f = balance_findings(remits_from_835(read_x12(blue)), source="b")
    assert f["record_key"].tolist() == ["200200964A52:3"] and "cannot be balanced" in f["detail"][0]


def test_claim_level_imbalance_is_clm_amt_04(tmp_path):
    text = (LFH / "835_005010X221A1" / "managed-care.835").read_text()
    clp = next(s for s in text.split("~") if s.strip().startswith("CLP"))
    parts = clp.strip().split("*")
    parts[4] = f"{float(parts[4]) + 5:.2f}"  # the claim says it paid $5 more than it did
    broken = tmp_path / "broken.835"
    broken.write_text(text.replace(clp.strip(), "*".join(parts), 1))
    f = balance_findings(remits_from_835(read_x12(broken)), source="x")
    # the claim no longer balances, and neither does the payment (BPR02) against its claims
    assert f["rule_id"].tolist() == ["CLM-AMT-04", "CLM-AMT-08"]
    assert f["amount"].tolist() == pytest.approx([5, 5])


def test_edi_835_parser_output_agrees_except_the_pr1_it_drops():
    ref = pd.read_csv(EDI / "output" / "united_healthcare_legacy_sample.csv")
    lines = remits_from_835(
        read_x12(EDI / "test_edi_835_files" / "united_healthcare_legacy_sample.txt")
    ).lines
    assert lines["procedure_code"].tolist() == ref["code"].tolist()
    assert lines["line_charge"].tolist() == pytest.approx(ref["charge_amount"].tolist())
    assert lines["line_paid"].tolist() == pytest.approx(ref["paid_amount"].tolist())
    theirs = ref[[c for c in ref if c.startswith("adj_") and c.endswith("_amount")]].sum(axis=1)
    gap = lines["adjustments_total"].to_numpy() - theirs.to_numpy()
    assert gap.tolist() == pytest.approx([0, 0, 0, 0, 110.0])  # CAS*PR*2*5.13**1*110 on line 5
    assert "PR-1:110.00" in lines["adjustment_detail"].iloc[4]
    # our reading balances every line; theirs leaves line 5 short by the dropped PR-1
    assert (
        lines["line_charge"] - lines["adjustments_total"] - lines["line_paid"]
    ).abs().max() < 0.01


def test_read_835_collects_findings_and_files():
    _, found, info = read_835(LFH / "835_005010X221A1")
    assert info["files"][0]["file"] == "cob-contractural-adjustment.835"
    assert info["claims"] == 8 and set(found["rule_id"]) == {"CLM-AMT-03"}


def test_not_x12_is_a_clear_error(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("hello, world")
    with pytest.raises(InputError, match="must start with an ISA"):
        read_x12(p)
    isa = "ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*" + "A".ljust(15) + "*ZZ*"
    isa += "B".ljust(15) + "*260101*1200*^*00501*000000001*0*P*:~"
    p.write_text(isa + "GS*HC*A*B*20260101*1200*1*X*005010X222A1~ST*837*0001~")
    with pytest.raises(X12Error, match="ends before the SE"):
        read_x12(p)


def test_demo_quarter_round_trips_through_x12(tmp_path):
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.x12.writer import write_demo_x12

    demo = generate_demo_claims(n_claims=300)
    paths = write_demo_x12(demo.claims, tmp_path)
    back, info = read_837([paths["837p"], paths["837i"]])
    assert info["lines"] == len(demo.claims) and not info["warnings"]
    cols = ["claim_id", "line_number", "procedure_code", "billed_amount", "units"]
    key = ["claim_id", "line_number", "procedure_code"]
    a = demo.claims[cols].astype(str).sort_values(key, kind="stable").reset_index(drop=True)
    b = back[cols].astype(str).sort_values(key, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    remits, found, _ = read_835(paths["835"])
    c = demo.claims
    adjudicated = c["claim_status"].isin(["paid", "denied", "partial"])
    remitted = adjudicated & (c["payer_type"] != "self_pay")  # self-pay is not remitted
    assert len(remits.lines) == (remitted & (c["paid_date"] != "")).sum()
    # balanced by construction except where the demo planted amount defects
    assert set(found["rule_id"]) <= {"CLM-AMT-03", "CLM-AMT-04"}


def test_a_table_with_remits_gets_the_same_input_checks(tmp_path):
    from audit_lib import load_config
    from audit_lib.claims.pipeline import load_claims
    from audit_lib.errors import MissingColumnsError

    bad = tmp_path / "claims.csv"
    bad.write_text("claim_id,line_number\nC1,1\n")
    with pytest.raises(MissingColumnsError, match="'patient_id'"):
        load_claims(bad, config=load_config(period="2026Q3"), remits=LFH / "835_005010X221A1")


def test_adjustments_table_holds_every_cas_reason_at_line_and_claim_level():
    from audit_lib.claims.kpis import remittance_kpis
    from audit_lib.x12.remit835 import adjustments_table

    rm, _, _ = read_835(LFH / "835_005010X221A1")
    a = adjustments_table(rm.lines, rm.claims)
    assert a["level"].value_counts().to_dict() == {"line": 10, "claim": 5}
    claim_level = a[a["level"] == "claim"]
    got = zip(claim_level["group"], claim_level["carc"], claim_level["amount"], strict=True)
    assert ("CO", "45", 73348.57) in set(got)
    # the PR-1 110.00 that edi-835-parser drops (second reason of one CAS segment) is here
    uhc = EDI / "test_edi_835_files" / "united_healthcare_legacy_sample.txt"
    urm, _, _ = read_835(uhc)
    ua, uc = adjustments_table(urm.lines, urm.claims), urm.claims
    line = ua[ua["claim_id"].eq("001-18604-358") & ua["line_number"].eq(3) & ua["group"].eq("PR")]
    assert sorted(zip(line["group"], line["carc"], line["amount"], strict=True)) == [
        ("PR", "1", 110.0), ("PR", "2", 5.13)
    ]  # fmt: skip
    k = remittance_kpis(ua, uc)
    t = k["table"].set_index(["group", "carc"])
    assert t.loc[("CO", "45"), "routine"] and t.loc[("PR", "1"), "routine"]
    assert k["adjustments_total"] == pytest.approx(ua["amount"].sum())
    assert k["claims_in_835"] == len(uc)


def test_remittance_kpis_split_dollars_on_denied_claims():
    from audit_lib.claims.kpis import remittance_kpis

    adj = pd.DataFrame(
        {
            "level": ["line", "line", "claim"],
            "claim_id": ["A", "B", "B"],
            "line_number": [1, 1, pd.NA],
            "group": ["CO", "CO", "OA"],
            "carc": ["50", "50", "18"],
            "amount": [100.0, 40.0, 60.0],
            "status_code": ["4", "1", "1"],
            "x12_file": "f.835",
        }
    )
    claims = pd.DataFrame({"status_code": ["4", "1"], "claim_charge": [100.0, 200.0],
                           "claim_paid": [0.0, 100.0]})  # fmt: skip
    k = remittance_kpis(adj, claims)
    row = k["table"].set_index(["group", "carc"]).loc[("CO", "50")]
    assert (row["claims"], row["amount"], row["amount_on_denied_claims"]) == (2, 140.0, 100.0)
    assert not row["routine"] and row["share_of_dollars"] == pytest.approx(0.7)
    assert k["claims_denied_in_835"] == 1 and k["adjustments_by_group"] == {"CO": 140.0, "OA": 60.0}
