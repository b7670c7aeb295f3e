"""The first-pass clean-claim rate (issue 14 §1: "where acknowledgements or first-pass status
are available (a 277CA/999 ...), the HFMA first-pass definition").

HFMA MAP Key CL-1 (rulebook §2.2 KPI-CCR): claims that pass all edits with no manual
intervention / claims submitted, judged here on each claim's first 277CA (X12 005010X214)
claim-level status: category A2/A5 accepts, A3/A4/A6/A7/A8 reject (X12 code list 507), A0/A1
only acknowledge receipt. The real acknowledgements are imsweb/x12-parser's 277CA and 999
fixtures (BSD-3-Clause, tests/fixtures/x12/SOURCES.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from audit_lib.claims.first_pass import clean_claim_rate
from audit_lib.errors import InputError
from audit_lib.x12.acks import read_acknowledgements

FX = Path(__file__).parents[1] / "fixtures" / "x12" / "imsweb-x12-parser"


def test_the_real_277ca_and_999_fixtures_are_read():
    statuses, sets, info = read_acknowledgements(
        [FX / "277_5010" / "x12_277CA_accepted.txt", FX / "277_5010" / "x12_277CA_rejected.txt",
         FX / "837_5010" / "x12_999_accepted.txt", FX / "837_5010" / "x12_999_rejected.txt"]
    )  # fmt: skip
    # the information receiver's A1:20 (loop 2200B) is not a claim's status; each claim's is
    got = statuses[["patient_control_number", "payer_claim_id", "status_date", "category",
                    "status_code", "entity", "level"]].values.tolist()  # fmt: skip
    assert got == [
        ["5781", "1107000000014420", "2011-03-11", "A2", "20", "", "claim"],
        ["3920394930203", "1107000000001120", "2011-03-11", "A7", "562", "85", "claim"],
    ]
    assert sets[["group_control", "set_control", "set_status"]].values.tolist() == [
        ["17456", "0001", "A"],
        ["28", "0028", "R"],
    ]
    assert [f["claim_statuses"] for f in info["files"]] == [1, 1, 0, 0]


@pytest.mark.parametrize(
    "name, held",
    [("277_5010/x12_277_x212.txt", "277 (005010X212)"), ("837_5010/x12_valid.txt", "837")],
)
def test_a_file_that_is_not_an_acknowledgement_is_refused_naming_it(name, held):
    with pytest.raises(InputError, match=re.escape(f"{Path(name).name} holds X12 {held}")):
        read_acknowledgements(FX / name)


def _stc(c1: str, date: str, c10: str = "") -> str:
    els = ["STC", c1, date, "WQ", "100"] + ([""] * 5 + [c10] if c10 else [])
    return "*".join(els)


def _277ca(claims: list[tuple[str, list[str], list[str]]]) -> str:
    """A 277CA (005010X214) with one claim loop per (patient control number, claim-level STC
    segments, service-line STC segments)."""
    body = [
        "ST*277*0001*005010X214", "BHT*0085*08*1*20260710*1200*TH",
        "HL*1**20*1", "NM1*PR*2*PAYER*****PI*12345", "TRN*1*1", "DTP*050*D8*20260710",
        "DTP*009*D8*20260710", "HL*2*1*21*1", "NM1*41*2*CLEARINGHOUSE*****46*X", "TRN*2*1",
        "STC*A1:20*20260710*WQ*900", "HL*3*2*19*1", "NM1*85*2*PRACTICE*****XX*1234567893",
    ]  # fmt: skip
    for k, (pcn, stcs, line_stcs) in enumerate(claims):
        body += [f"HL*{4 + k}*3*PT", "NM1*QC*1*DOE*JANE****MI*M1", f"TRN*2*{pcn}", *stcs,
                 f"REF*1K*ICN{k}", "DTP*472*D8*20260701"]  # fmt: skip
        if line_stcs:
            body += ["SVC*HC:99213*100", *line_stcs]
    body.append(f"SE*{len(body) + 1}*0001")
    isa = ("ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *260710*1200*^"
           "*00501*000000001*0*P*:")  # fmt: skip
    gs = "GS*HN*PAYER*PROVIDER*20260710*1200*1*X*005010X214"
    return "~\n".join([isa, gs, *body, "GE*1*1", "IEA*1*000000001"]) + "~\n"


def test_worked_example_first_pass_rate(tmp_path):
    """Worked by hand. Claims C1..C11 in the review (C2 with two lines); acknowledgements:
    C1, C3, C6, C11 accepted (A2; C1 with a rejected service line, which does not reject the
    claim); C2 accepted as split (A5); C4 one acknowledgement carrying A2 and, in STC10, A7:
    rejected; C5 accepted on 07-10 in the first file but rejected (A3) on 07-03 in the second:
    its first is the rejection; C7 rejected (A7) then accepted on resubmission: not clean;
    C8 rejected for missing information (A6); C9 only received (A1): outside; C10 no 277CA:
    outside; C12 acknowledged but not in the review. Accepted 5 (C1, C2, C3, C6, C11),
    rejected 4 (C4, C5, C7, C8): 5 / 9 = 0.555556."""
    first = tmp_path / "a.277"
    first.write_text(
        _277ca(
            [
                ("C1", [_stc("A2:20", "20260710")], [_stc("A7:453", "20260710")]),
                ("C2", [_stc("A5:21", "20260710")], []),
                ("C3", [_stc("A2:20", "20260710")], []),
                ("C4", [_stc("A2:20", "20260710", "A7:562:85")], []),
                ("C5", [_stc("A2:20", "20260710")], []),
                ("C6", [_stc("A2:20", "20260710")], []),
                ("C7", [_stc("A7:562:85", "20260702")], []),
                ("C8", [_stc("A6:35", "20260710")], []),
                ("C9", [_stc("A1:19", "20260710")], []),
                ("C11", [_stc("A2:20", "20260710")], []),
                ("C12", [_stc("A2:20", "20260710")], []),
            ]
        )
    )
    second = tmp_path / "b.277"
    second.write_text(
        _277ca([("C5", [_stc("A3:21", "20260703")], []), ("C7", [_stc("A2:20", "20260709")], [])])
    )
    statuses, sets, _ = read_acknowledgements([first, second])
    ids = ["C1", "C2", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11"]
    lines = pd.DataFrame({"claim_id": ids, "patient_control_number": ids})
    kpi, rejected = clean_claim_rate(lines, statuses, sets)
    assert kpi.value == 0.555556 and not kpi.proxy
    assert kpi.inputs == {
        "claims_in_review": 11,
        "first_pass_accepted": 5,
        "first_pass_rejected": 4,
        "first_acknowledgement_received_only": 1,
        "claims_without_277ca": 1,
        "acknowledged_claims_not_in_review": 1,
        "sets_in_999s": 0,
        "sets_rejected_by_999": 0,
    }
    assert "HFMA MAP Key CL-1" in kpi.standard
    assert any("a 277CA for 1 claim(s)" in n for n in kpi.not_in_extract)
    assert rejected["claim_id"].tolist() == ["C4", "C5", "C7", "C8"]
    c5 = rejected.set_index("claim_id").loc["C5"]
    assert (c5["status_date"], c5["categories"], c5["ack_file"]) == ("2026-07-03", "A3", "b.277")
    assert rejected.set_index("claim_id").loc["C7", "acknowledgements"] == 2


def test_claims_without_a_patient_control_number_match_by_claim_id(tmp_path):
    ack = tmp_path / "a.277"
    ack.write_text(_277ca([("CLM9", [_stc("A7:562", "20260710")], [])]))
    statuses, sets, _ = read_acknowledgements(ack)
    kpi, rejected = clean_claim_rate(pd.DataFrame({"claim_id": ["CLM9", "CLM8"]}), statuses, sets)
    assert kpi.value == 0.0 and kpi.inputs["claims_without_277ca"] == 1
    assert rejected["claim_id"].tolist() == ["CLM9"]
