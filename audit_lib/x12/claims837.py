"""837P (005010X222) and 837I (005010X223) claims -> the canonical claims table.

One row per service line (LX), with the claim-level fields repeated: patient control number
(CLM01) as ``claim_id``, billing NPI (2010AA NM1*85), rendering NPI (2420A, else 2310B), payer
(2010BB NM1*PR) and payer type (SBR09 claim filing indicator), subscriber/patient demographics,
diagnoses in order (principal first; ICD-9 qualifiers BK/BF are kept as given, so the ICD-10-CM
rules flag them), the line's diagnosis pointers, procedure and modifiers (SV101 / SV202), units,
charge, place of service (SV105, else CLM05-1 for 837P), revenue code (SV201, 837I), service
dates (line DTP*472, else the claim's statement dates), frequency code (CLM05-3) and the
transaction date (BHT04) as submission date.

Structure is checked as it is read: the billing provider loop must start with NM1*85, NM1 needs
its entity identifier and type qualifier, CLM needs CLM01/CLM02/CLM05, SV1/SV2 their procedure
(or revenue code) and charge, and an address's N3 must come before its N4. A violation is an
:class:`~audit_lib.x12.reader.X12Error` naming the segment and position.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .reader import Interchange, Segment, segment_error

__all__ = ["claims_from_837"]

# SBR09 claim filing indicator -> payer_type
_FILING = {
    "MA": "medicare",
    "MB": "medicare",
    "16": "medicare",
    "MC": "medicaid",
    "CI": "commercial",
    "BL": "commercial",
    "HM": "commercial",
    "12": "commercial",
    "13": "commercial",
    "14": "commercial",
    "15": "commercial",
    "17": "commercial",
    "AM": "commercial",
    "DS": "other",
    "CH": "other",
    "VA": "other",
    "WC": "other",
    "OF": "other",
    "LM": "other",
    "TV": "other",
    "ZZ": "other",
}
_PRINCIPAL = {"ABK", "BK"}
_OTHER_DX = {"ABF", "BF"}


def _date(value: str) -> str:
    """CCYYMMDD (or CCYYMMDD-CCYYMMDD: the first) -> YYYY-MM-DD; anything else as given."""
    v = value.split("-")[0]
    if len(v) == 8 and v.isdigit():
        return f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return value


def _required(ic: Interchange, seg: Segment, *positions: int, names: dict[int, str]) -> None:
    for p in positions:
        if not seg.get(p).strip():
            raise segment_error(
                ic, seg, f"{seg.id}{p:02d} ({names.get(p, 'required element')}) is missing"
            )


def claims_from_837(ic: Interchange) -> pd.DataFrame:
    """The service lines of every 837 transaction set in ``ic`` (other sets are ignored)."""
    rows: list[dict[str, Any]] = []
    comp = ic.separators.component
    for st_type, version, segments in ic.transactions:
        if st_type != "837":
            continue
        claim_type = "institutional" if "X223" in version else "professional"
        rows.extend(_transaction(ic, segments, claim_type, comp))
    return pd.DataFrame(rows)


def _transaction(ic, segments, claim_type, comp) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    submission = ""
    hl_level = ""
    expect_billing_nm1 = False
    billing_npi = ""
    subscriber: dict[str, str] = {}
    patient: dict[str, str] = {}
    payer: dict[str, str] = {}
    claim: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    entity = ""  # the NM1 the current N3/N4 belong to
    seen_n4 = False
    nm1_role = ""

    def close_line():
        nonlocal line
        if line is not None and claim is not None:
            claim["lines"].append(line)
        line = None

    def close_claim():
        nonlocal claim
        close_line()
        if claim is not None:
            out.extend(_rows(claim))
        claim = None

    for seg in segments:
        sid = seg.id
        if sid == "BHT":
            submission = _date(seg.get(4))
        elif sid == "HL":
            close_claim()
            _required(ic, seg, 1, 3, names={1: "hierarchical id", 3: "level code"})
            hl_level = seg.get(3)
            entity, seen_n4, nm1_role = "", False, ""
            if hl_level == "20":
                expect_billing_nm1 = True
                billing_npi = ""
            elif hl_level == "22":
                subscriber, patient, payer = {}, {}, {}
            elif hl_level == "23":
                patient = {}
        elif sid == "NM1":
            _required(ic, seg, 1, 2, names={1: "entity identifier code", 2: "entity type"})
            role = seg.get(1)
            if expect_billing_nm1:
                if role != "85":
                    raise segment_error(
                        ic, seg, f"the billing provider loop (2010AA) must start with NM1*85, "
                        f"found NM1*{role}",
                    )  # fmt: skip
                expect_billing_nm1 = False
            entity, seen_n4, nm1_role = seg.get(1), False, role
            npi = seg.get(9) if seg.get(8) == "XX" else ""
            if role == "85":
                billing_npi = npi
            elif role == "IL":
                subscriber = {"member_id": seg.get(9), "last": seg.get(3), "first": seg.get(4)}
            elif role == "QC":
                patient = {"last": seg.get(3), "first": seg.get(4)}
            elif role == "PR" and claim is None:
                payer = {"payer_id": seg.get(9) or seg.get(3)}
            elif role == "82" and claim is not None:
                if line is not None:
                    line["rendering_npi"] = npi
                else:
                    claim["rendering_npi"] = npi
        elif sid == "N3":
            if seen_n4 and entity:
                raise segment_error(
                    ic, seg, f"N3 comes after N4 in the NM1*{entity} loop; N3 must precede N4"
                )
        elif sid == "N4":
            seen_n4 = True
        elif sid == "SBR":
            subscriber["filing"] = seg.get(9)
            subscriber["responsibility"] = seg.get(1)
        elif sid == "DMG":
            target = patient if hl_level == "23" else subscriber
            if nm1_role in ("IL", "QC"):
                target["dob"] = _date(seg.get(2))
                target["sex"] = seg.get(3)
        elif sid == "CLM":
            close_claim()
            _required(
                ic, seg, 1, 2, 5,
                names={1: "patient control number", 2: "total charge",
                       5: "facility code / frequency"},
            )  # fmt: skip
            facility = seg.get(5).split(comp)
            who = patient if patient else subscriber
            member = subscriber.get("member_id", "")
            pid = member if not patient else f"{member}-{who.get('first', '')}{who.get('dob', '')}"
            claim = {
                "claim_id": seg.get(1),
                "claim_charge": seg.get(2),
                "facility": facility[0] if facility else "",
                "frequency_code": facility[2] if len(facility) > 2 else "",
                "claim_type": claim_type,
                "billing_npi": billing_npi,
                "rendering_npi": "",
                "payer_id": payer.get("payer_id", ""),
                "payer_type": _FILING.get(subscriber.get("filing", ""), "other"),
                "member_id": member,
                "patient_id": pid,
                "patient_dob": who.get("dob", ""),
                "patient_sex": who.get("sex", ""),
                "submission_date": submission,
                "diagnoses": [],
                "statement": ("", ""),
                "claim_date": "",
                "lines": [],
                "segment": seg.number,
            }
            entity, seen_n4 = "", False
        elif sid == "HI" and claim is not None:
            for element in seg.elements[1:]:
                parts = element.split(comp)
                if len(parts) >= 2 and parts[0] in _PRINCIPAL:
                    claim["diagnoses"].insert(0, parts[1])
                elif len(parts) >= 2 and parts[0] in _OTHER_DX:
                    claim["diagnoses"].append(parts[1])
        elif sid == "DTP" and claim is not None:
            qualifier, fmt, value = seg.get(1), seg.get(2), seg.get(3)
            if line is not None and qualifier == "472":
                start, _, end = value.partition("-")
                line["service_date"] = _date(start)
                line["service_date_to"] = _date(end) if end else ""
            elif line is None and qualifier == "434" and fmt == "RD8":
                start, _, end = value.partition("-")
                claim["statement"] = (_date(start), _date(end))
            elif line is None and qualifier == "472":
                claim["claim_date"] = _date(value)
        elif sid == "LX":
            close_line()
            if claim is None:
                raise segment_error(ic, seg, "LX (service line) before any CLM")
            line = {"line_number": seg.get(1), "segment": seg.number}
            entity, seen_n4 = "", False
        elif sid in ("SV1", "SV2") and line is not None:
            if sid == "SV1":
                _required(ic, seg, 1, 2, names={1: "procedure", 2: "line charge"})
                proc, charge, units, pos = seg.get(1), seg.get(2), seg.get(4), seg.get(5)
                line["diagnosis_pointers"] = seg.get(7).replace(comp, ":")
                line["revenue_code"] = ""
            else:
                _required(ic, seg, 1, 3, names={1: "revenue code", 3: "line charge"})
                proc, charge, units, pos = seg.get(2), seg.get(3), seg.get(5), ""
                line["revenue_code"] = seg.get(1)
                line["diagnosis_pointers"] = ""
            parts = proc.split(comp) if proc else []
            line["procedure_code"] = parts[1] if len(parts) > 1 else ""
            for i in range(4):
                line[f"modifier_{i + 1}"] = parts[2 + i] if len(parts) > 2 + i else ""
            line["billed_amount"] = charge
            line["units"] = units or "1"
            line["place_of_service"] = pos
    close_claim()
    return out


def _rows(claim: dict[str, Any]) -> list[dict[str, Any]]:
    dx = claim["diagnoses"][:12]
    base = {
        k: claim[k]
        for k in (
            "claim_id",
            "claim_type",
            "billing_npi",
            "rendering_npi",
            "payer_id",
            "payer_type",
            "member_id",
            "patient_id",
            "patient_dob",
            "patient_sex",
            "submission_date",
            "frequency_code",
        )
    }
    base.update({f"diagnosis_{i + 1}": dx[i] if i < len(dx) else "" for i in range(12)})
    rows = []
    for ln in claim["lines"]:
        row = dict(base)
        row.update({k: v for k, v in ln.items() if k != "segment"})
        if not row.get("rendering_npi"):
            row["rendering_npi"] = claim["rendering_npi"]
        if not row.get("service_date"):
            row["service_date"] = claim["claim_date"] or claim["statement"][0]
            row["service_date_to"] = claim["statement"][1]
        if claim["claim_type"] == "professional" and not row.get("place_of_service"):
            row["place_of_service"] = claim["facility"]
        row["claim_charge"] = claim["claim_charge"]
        row["x12_segment"] = ln["segment"]
        rows.append(row)
    return rows
