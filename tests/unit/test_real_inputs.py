"""Every real third-party claim, remittance and audit-event fixture is read with the counts an
independent count of its segments or resources gives, or refused with a message that says why;
and the defects found reading them (issue 12) stay fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from audit_lib.access.fhir import read_audit_events
from audit_lib.errors import InputError
from audit_lib.x12.importer import read_835, read_837, x12_source
from audit_lib.x12.reader import X12Error, decode_x12

FIX = Path(__file__).resolve().parents[1] / "fixtures"
X12 = FIX / "x12"
OOP = X12 / "oopfactory-x12" / "INS"

REFUSED = {  # file -> what the message says
    "x12_bad_first_line.txt": "ISA02 must be 10 characters",
    "x12_bad_valid_code.txt": "must start with NM1*85",
    "x12_missing_elements.txt": "NM102 (entity type) is missing",
    "x12_segments_out_of_order.txt": "N3 must precede N4",
    "MissingEntityCode.txt": "NM101 (entity identifier code) is missing",
    "UnicodeExample.txt": "the file ends before the SE",  # UTF-16, cut short
}
NOT_CLAIMS = {"276": "holds a 276 claim status request", "277": "holds a 277 claim status",
              "999": "holds a 999 implementation acknowledgment"}  # fmt: skip


def _x12_files() -> list[Path]:
    return [
        f
        for f in sorted(X12.rglob("*"))
        if f.is_file()
        and f.suffix not in (".md", ".html", ".csv")
        and "LICENSE" not in f.name
        and f.name != "License.html"
    ]


def _segment_ids(path: Path) -> list[str]:
    """The segment ids of a file, split by hand (not by the reader under test)."""
    text = decode_x12(path.read_bytes()).lstrip("\ufeff \r\n\t")
    element = text[3] if text.startswith("ISA") else text[2]
    terminator = text[105] if text.startswith("ISA") else "~"
    return [s.strip().split(element)[0] for s in text.split(terminator) if s.strip()]


@pytest.mark.parametrize("path", _x12_files(), ids=lambda p: str(p.relative_to(X12)))
def test_every_x12_fixture_is_read_with_independent_counts_or_refused(path):
    if path.name in REFUSED:
        with pytest.raises(X12Error) as err:
            read_837(path)
        assert REFUSED[path.name] in str(err.value) and path.name in str(err.value)
        return
    ids = _segment_ids(path)
    st = [s for s in ids if s == "ST"]
    kinds = {k for k in NOT_CLAIMS if f"ST*{k}" in decode_x12(path.read_bytes())}
    if "CLM" in ids:
        frame, info = read_837(path)
        assert info["claims"] == ids.count("CLM")  # every CLM is a claim, shared CLM01 or not
        assert len(frame) == ids.count("LX")
        assert sum(f["transactions"] for f in info["files"]) == len(st)
    elif "CLP" in ids:
        remits, _, info = read_835(path)
        assert len(remits.claims) == ids.count("CLP")
        assert len(remits.lines) == ids.count("SVC")
        assert len(remits.provider_adjustments) >= ids.count("PLB")
    else:
        assert kinds, path.name
        with pytest.raises(InputError) as err:
            read_837(path)
        assert NOT_CLAIMS[kinds.pop()] in str(err.value)


def test_payer_type_comes_from_sbr09_of_the_subscriber_loop():
    # 2000B SBR*P*18*******MB then NM1*IL: the NM1 must not wipe the filing indicator
    t, _ = read_837(X12 / "linuxforhealth-x12" / "837_005010X222A2" / "demo.example6.837")
    assert set(t["payer_type"]) == {"medicare"}
    # a COB claim: the other payer's SBR in loop 2320 is not the claim's payer
    cob, _ = read_837(X12 / "linuxforhealth-x12" / "837_005010X222A2" / "demo.cob.example3.B.837")
    assert set(cob["payer_type"]) == {"commercial"}
    batch, _ = read_837(OOP / "_837I" / "_4010" / "FromSwreed" / "Batch1.txt")
    assert batch["payer_type"].value_counts().to_dict() == {"commercial": 111, "medicare": 71}


def test_4010_institutional_files_are_institutional_and_revenue_lines_keep_no_hcpcs():
    t, info = read_837(OOP / "_837I" / "_4010" / "FromSwreed" / "Batch1.txt")
    assert info["files"][0]["guides"] == ["004010X096A1"] and info["files"][0]["read_as"] == "4010"
    assert set(t["claim_type"]) == {"institutional"}
    assert (t["procedure_code"] == "").sum() > 0 and (t["revenue_code"] != "").all()


def test_unnamed_guides_are_read_by_content_and_other_releases_refused(tmp_path):
    t, info = read_837(OOP / "_837P" / "_4010" / "FromNth" / "837_DeIdent_01.dat")
    assert info["files"][0]["guides"] == ["999999X999X9"]
    assert info["files"][0]["read_as"].startswith("by content")
    assert set(t["claim_type"]) == {"professional"}
    text = (X12 / "imsweb-x12-parser" / "837_5010" / "x12_valid.txt").read_text()
    for version, says in (("006020X299A1", "release 006020"), ("005010X224A2", "dental")):
        p = tmp_path / f"{version}.txt"
        p.write_text(text.replace("005010X222A1", version))
        with pytest.raises(X12Error, match=says):
            read_837(p)


def test_claims_that_share_a_patient_control_number_stay_apart():
    t, info = read_837(X12 / "imsweb-x12-parser" / "837_5010" / "x12_many_claims.txt")
    assert info["claims"] == 820 and info["repeated_claim_ids"] == {
        "control_numbers": 2, "claims": 820
    }  # fmt: skip
    assert t["claim_id"].str.fullmatch(r"A37YH(556|667)#\d+").all()
    assert set(t["patient_control_number"]) == {"A37YH556", "A37YH667"}
    deid, _ = read_837(OOP / "_837P" / "_4010" / "FromNth" / "837_DeIdent_01.dat")
    assert deid["claim_id"].nunique() == 143
    assert not deid.duplicated(["claim_id", "line_number"]).any()  # no repeated-key flood


def test_x12_is_recognised_by_content_gs_start_utf16_and_mixed_folders(tmp_path):
    src = X12 / "imsweb-x12-parser" / "837_5010" / "x12_valid.txt"
    text = src.read_text()
    gs = tmp_path / "from_gs.txt"
    gs.write_text(text[text.index("GS*") : text.index("IEA*")])  # no interchange envelope
    utf16 = tmp_path / "wide.txt"
    utf16.write_bytes(text.encode("utf-16-le"))
    where = ["x12_file", "x12_claim_segment", "x12_segment"]  # the GS file lacks the ISA
    want, _ = read_837(src)
    for p in (gs, utf16):
        assert x12_source(p)
        got, _ = read_837(p)
        pd.testing.assert_frame_equal(got.drop(columns=where), want.drop(columns=where))
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.837").write_text(text)
    (folder / "notes.txt").write_text("call the payer on Monday")
    with pytest.raises(InputError, match=r"1 other file\(s\).*notes\.txt"):
        x12_source(folder)
    (folder / "notes.txt").unlink()
    (folder / "remit.835").write_bytes((X12 / "pyx12" / "835_mult_loops.txt").read_bytes())
    with pytest.raises(InputError, match=r"remit\.835 holds an 835 remittance advice"):
        read_837(folder)


# --- FHIR ------------------------------------------------------------------------------------
def _fhir_files() -> list[Path]:
    return sorted(
        f for f in (FIX / "fhir").rglob("*") if f.suffix in (".json", ".xml") and f.is_file()
    )


def _resources(path: Path) -> list[dict]:
    """AuditEvents counted by hand: a resource, or the entries of a Bundle."""
    if path.suffix == ".xml":
        import xml.etree.ElementTree as ET

        root = ET.parse(path).getroot()
        return [{}] * len(list(root.iter("{http://hl7.org/fhir}AuditEvent")))
    doc = json.loads(path.read_text("utf-8-sig"))
    if doc.get("resourceType") == "Bundle":
        doc = [e["resource"] for e in doc["entry"]]
    docs = doc if isinstance(doc, list) else [doc]
    return [d for d in docs if d.get("resourceType") == "AuditEvent"]


@pytest.mark.parametrize("path", _fhir_files(), ids=lambda p: str(p.relative_to(FIX / "fhir")))
def test_every_fhir_fixture_is_read_with_independent_counts_or_refused(path):
    events = _resources(path)
    if not events:
        with pytest.raises(InputError, match=r"is a \w+, not an AuditEvent"):
            read_audit_events([path])
        return
    try:
        frame, info = read_audit_events([path])
    except InputError as exc:
        assert "none a workforce access to a patient record" in str(exc)
        return
    assert info["resources"] == len(events)
    apart = sum(
        len(info[k])
        for k in ("skipped_without_patient", "patient_initiated", "related_person_initiated",
                  "system_initiated")
    )  # fmt: skip
    assert len(frame) + apart == len(events) == info["patient_access_events"] + apart


def test_balp_patient_and_system_access_are_not_workforce_access():
    files = sorted((FIX / "fhir" / "ihe-balp").glob("AuditEvent-*.json"))
    frame, info = read_audit_events(files)
    assert (info["resources"], len(frame)) == (46, 21)
    assert len(info["patient_initiated"]) == 5  # the IHE BALP privacy-disclosure patterns
    assert all("PrivacyDisclosure" in e for e in info["patient_initiated"])
    assert len(info["system_initiated"]) == 10 and all(
        "NoUser" in e for e in info["system_initiated"]
    )
    assert "ex-patient" not in set(frame["user_id"])  # a patient is never a workforce user
    assert "ex-auditBasicReadClient" in info["user_id_from_display_name"]  # "John Smith"


def test_absolute_history_and_contained_references_resolve(tmp_path):
    base = json.loads((FIX / "fhir" / "ihe-balp" / "AuditEvent-ex-auditBasicReadClient.json")
                      .read_text())  # fmt: skip
    absolute = dict(base, id="abs")
    absolute["entity"] = [dict(e) for e in base["entity"]]
    for e in absolute["entity"]:
        if e.get("what", {}).get("reference") == "Patient/ex-patient":
            e["what"] = {"reference": "https://ehr.example.org/fhir/Patient/MRN-77/_history/3"}
            e.pop("role", None)
    contained = dict(base, id="cont")
    contained["contained"] = [
        {"resourceType": "Patient", "id": "p1",
         "identifier": [{"system": "urn:mrn", "value": "MRN-88"}]}
    ]  # fmt: skip
    contained["entity"] = [
        {**e, "what": {"reference": "#p1"}}
        if e.get("what", {}).get("reference") == "Patient/ex-patient" else e
        for e in base["entity"]
    ]  # fmt: skip
    files = []
    for doc in (absolute, contained):
        p = tmp_path / f"{doc['id']}.json"
        p.write_text(json.dumps(doc))
        files.append(p)
    frame, _ = read_audit_events(files)
    assert dict(zip(frame["event_id"], frame["patient_id"], strict=True)) == {
        "abs": "MRN-77", "cont": "MRN-88"
    }  # fmt: skip
