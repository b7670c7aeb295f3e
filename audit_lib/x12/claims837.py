"""837P and 837I claims (releases 4010 and 5010) -> the canonical claims table.

One row per service line (LX), with the claim-level fields repeated: patient control number
(CLM01) as ``claim_id`` (made unique by :mod:`audit_lib.x12.importer` when several claims share
it), billing NPI (2010AA NM1*85), rendering NPI (2420A, else 2310B), payer (2010BB NM1*PR) and
payer type (SBR09 claim filing indicator of the subscriber loop 2000B; the SBR of an other
payer in loop 2320 is not the claim's payer), the patient (the medical record number REF*EA of
the claim when given, else the subscriber's member id, qualified by the patient's name and date
of birth when the patient is a dependant), date of birth (DMG), date of death (PAT06),
diagnoses in order (principal first; ICD-9 qualifiers BK/BF are kept as given, so the ICD-10-CM
rules flag them), the line's diagnosis pointers, procedure and modifiers (SV101 / SV202), units,
charge, place of service (SV105, else CLM05-1 for 837P), revenue code (SV201, 837I), service
dates (line DTP*472, else the claim's statement dates), the line item control number (REF*6R,
which an 835 returns), frequency code (CLM05-3) and the transaction date (BHT04) as submission
date.

Which guide: GS08 (or ST03) names it: 004010X098 and 005010X222 are professional, 004010X096
and 005010X223 institutional; the fields read here are the same in 4010 and 5010. A file
whose version element does not name a known guide (de-identified files often carry
``999999X999X9``) is read by content: CLM05-2 ``A`` (a UB-04 bill type) marks an institutional
claim, ``B`` (a place of service) a professional one. Dental claims (X097, X224) and other
releases are refused.

Structure is checked as it is read: the billing provider loop must start with NM1*85, NM1 needs
its entity identifier and type qualifier, CLM needs CLM01/CLM02/CLM05, SV1/SV2 their procedure
(or revenue code) and charge, and an address's N3 must come before its N4. A violation is an
:class:`~audit_lib.x12.reader.X12Error` naming the segment and position.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .institutional837 import INSTITUTIONAL_COLUMNS, hi_composite, institutional_fields
from .reader import Interchange, Segment, X12Error, segment_error
from .reader import x12_date as _date

__all__ = ["INSTITUTIONAL_COLUMNS", "claims_from_837", "guide_of"]

# SBR09 claim filing indicator -> payer_type
_FILING = {
    **dict.fromkeys(("MA", "MB", "16"), "medicare"),
    "MC": "medicaid",
    "09": "self_pay",
    **dict.fromkeys(("CI", "BL", "HM", "12", "13", "14", "15", "17", "AM"), "commercial"),
    **dict.fromkeys(("DS", "CH", "VA", "WC", "OF", "LM", "TV", "ZZ", "10", "11", "FI"), "other"),
}
# implementation guide (GS08 without its addenda) -> (release, claim type)
GUIDES = {
    "004010X096": ("4010", "institutional"),
    "004010X098": ("4010", "professional"),
    "005010X222": ("5010", "professional"),
    "005010X223": ("5010", "institutional"),
}
_DENTAL = ("004010X097", "005010X224")


def guide_of(ic: Interchange, version: str, what: str = "837") -> tuple[str, str | None]:
    """(release read, claim type or None) for one transaction set's version element; an
    unsupported release is an error naming the file and what is supported."""
    v = version.strip()
    if v[:10] in GUIDES:
        return GUIDES[v[:10]]
    if v[:10] in _DENTAL:
        raise X12Error(
            f"{ic.path.name}: {v} is an 837 dental claim; the claims review reads professional "
            "(837P) and institutional (837I) claims only.",
            path=ic.path,
        )
    release = v[:6]
    if release.isdigit() and release.startswith("00") and release not in ("004010", "005010"):
        raise X12Error(
            f"{ic.path.name}: X12 release {release} ({v}) is not supported: the reader knows "
            f"{what} releases 4010 and 5010. Ask the sender for a 5010 file.",
            path=ic.path,
        )
    return ("5010" if release == "005010" else "4010" if release == "004010" else "?"), None


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
        _, claim_type = guide_of(ic, version)
        rows.extend(_transaction(ic, segments, claim_type, comp))
    return pd.DataFrame(rows)


class _State:
    """The loops open while a transaction set is walked."""

    def __init__(self) -> None:
        self.submission = ""
        self.hl_level = ""
        self.expect_billing_nm1 = False
        self.billing_npi = ""
        self.subscriber: dict[str, str] = {}
        self.patient: dict[str, str] = {}
        self.payer: dict[str, str] = {}
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        self.entity = ""  # the NM1 the current N3/N4 belong to
        self.seen_n4 = False
        self.nm1_role = ""


def _transaction(ic, segments, claim_type, comp) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    s = _State()

    def close_line():
        if s.line is not None and s.claim is not None:
            s.claim["lines"].append(s.line)
        s.line = None

    def close_claim():
        close_line()
        if s.claim is not None:
            out.extend(_rows(s.claim))
        s.claim = None

    for seg in segments:
        sid = seg.id
        if sid == "BHT":
            s.submission = _date(seg.get(4))
        elif sid == "HL":
            close_claim()
            _hl(ic, seg, s)
        elif sid == "NM1":
            _nm1(ic, seg, s)
        elif sid == "N3":
            if s.seen_n4 and s.entity:
                raise segment_error(
                    ic, seg, f"N3 comes after N4 in the NM1*{s.entity} loop; N3 must precede N4"
                )
        elif sid == "N4":
            s.seen_n4 = True
        elif sid == "SBR" and s.claim is None:  # 2000B; an SBR in 2320 is an other payer's
            s.subscriber = {"filing": seg.get(9), "responsibility": seg.get(1)}
        elif sid in ("DMG", "PAT") and s.claim is None:
            target = s.patient if s.hl_level == "23" else s.subscriber
            if sid == "PAT" and seg.get(5) == "D8":
                target["death"] = _date(seg.get(6))
            elif sid == "DMG" and s.nm1_role in ("IL", "QC"):
                target["dob"] = _date(seg.get(2))
                target["sex"] = seg.get(3)
        elif sid == "CLM":
            close_claim()
            s.claim = _claim(ic, seg, s, claim_type, comp)
        elif s.claim is not None:
            _claim_segment(ic, seg, s, comp, close_line)
    close_claim()
    return out


def _hl(ic: Interchange, seg: Segment, s: _State) -> None:
    _required(ic, seg, 1, 3, names={1: "hierarchical id", 3: "level code"})
    s.hl_level = seg.get(3)
    s.entity, s.seen_n4, s.nm1_role = "", False, ""
    if s.hl_level == "20":
        s.expect_billing_nm1 = True
        s.billing_npi = ""
    elif s.hl_level == "22":
        s.subscriber, s.patient, s.payer = {}, {}, {}
    elif s.hl_level == "23":
        s.patient = {}


def _nm1(ic: Interchange, seg: Segment, s: _State) -> None:
    _required(ic, seg, 1, 2, names={1: "entity identifier code", 2: "entity type"})
    role = seg.get(1)
    if s.expect_billing_nm1:
        if role != "85":
            raise segment_error(
                ic, seg, f"the billing provider loop (2010AA) must start with NM1*85, "
                f"found NM1*{role}",
            )  # fmt: skip
        s.expect_billing_nm1 = False
    s.entity, s.seen_n4, s.nm1_role = role, False, role
    npi = seg.get(9) if seg.get(8) == "XX" else ""
    if role == "85":
        s.billing_npi = npi
    elif s.claim is None and role == "IL":  # 2010BA; NM1*IL in 2330A is an other subscriber
        s.subscriber.update(member_id=seg.get(9), last=seg.get(3), first=seg.get(4))
    elif s.claim is None and role == "QC":
        s.patient.update(last=seg.get(3), first=seg.get(4))
    elif s.claim is None and role == "PR":
        s.payer = {"payer_id": seg.get(9) or seg.get(3)}
    elif role in ("71", "72") and s.claim is not None and s.line is None:  # 2310A/B (837I)
        s.claim["attending_npi" if role == "71" else "operating_npi"] = npi
    elif role == "82" and s.claim is not None:
        if s.line is not None:
            s.line["rendering_npi"] = npi
        else:
            s.claim["rendering_npi"] = npi


def _claim(ic: Interchange, seg: Segment, s: _State, claim_type, comp) -> dict[str, Any]:
    _required(
        ic, seg, 1, 2, 5,
        names={1: "patient control number", 2: "total charge", 5: "facility code / frequency"},
    )  # fmt: skip
    facility = seg.get(5).split(comp)
    if len(facility) == 1 and len(facility[0]) > 2:  # e.g. 13>A>1 under ISA16 ':'
        ic.warnings.append(
            f"{ic.path.name}: segment {seg.number} CLM05 {seg.get(5)!r} holds no component "
            f"separator {comp!r} (ISA16 declares it), so its facility or place of service, "
            "bill type and frequency could not be read; the file's composites are written "
            "with another separator. Ask the sender to correct ISA16."
        )
    qualifier = facility[1] if len(facility) > 1 else ""
    inferred = claim_type is None
    if inferred:  # the guide is not named: the facility code qualifier tells (or the lines)
        claim_type = "institutional" if qualifier == "A" else "professional"
    who = s.patient if s.patient else s.subscriber
    member = s.subscriber.get("member_id", "")
    dependant = f"{member}-{who.get('first', '')}{who.get('dob', '')}"
    s.entity, s.seen_n4 = "", False
    return {
        "claim_id": seg.get(1),
        "claim_charge": seg.get(2),
        "facility": facility[0] if facility else "",
        "frequency_code": facility[2] if len(facility) > 2 else "",
        "claim_type": claim_type,
        "billing_npi": s.billing_npi,
        "rendering_npi": "",
        "payer_id": s.payer.get("payer_id", ""),
        "payer_type": _FILING.get(s.subscriber.get("filing", ""), "other"),
        "member_id": member,
        "patient_id": member if not s.patient else dependant,
        "patient_dob": who.get("dob", ""),
        "patient_sex": who.get("sex", ""),
        "patient_death_date": who.get("death", ""),
        "submission_date": s.submission,
        "diagnoses": [],
        "poa": [],
        "procedures": [],
        "codes": {"BG": [], "BH": [], "BE": []},
        "admission_date": "",
        "cl1": ("", "", ""),
        "drg_code": "",
        "attending_npi": "",
        "operating_npi": "",
        "statement": ("", ""),
        "claim_date": "",
        "lines": [],
        "segment": seg.number,
        "type_inferred": inferred and qualifier not in ("A", "B"),
    }


def _claim_segment(ic: Interchange, seg: Segment, s: _State, comp, close_line) -> None:
    """A segment inside the claim loop (2300 and below)."""
    sid, claim, line = seg.id, s.claim, s.line
    if claim is None:  # called inside a claim only
        return
    if sid == "HI":
        for element in seg.elements[1:]:
            hi_composite(element.split(comp), claim)
    elif sid == "CL1" and line is None:
        claim["cl1"] = (seg.get(1), seg.get(2), seg.get(3))
    elif sid == "REF" and line is None and seg.get(1) == "EA" and seg.get(2).strip():
        claim["patient_id"] = seg.get(2).strip()  # the medical record number
    elif sid == "REF" and line is not None and seg.get(1) == "6R":
        line["line_control"] = seg.get(2)
    elif sid == "DTP":
        qualifier, fmt, value = seg.get(1), seg.get(2), seg.get(3)
        if line is not None and qualifier == "472":
            start, _, end = value.partition("-")
            line["service_date"] = _date(start)
            line["service_date_to"] = _date(end) if end else ""
        elif line is None and qualifier == "434" and fmt in ("RD8", "D8"):
            start, _, end = value.partition("-")
            claim["statement"] = (_date(start), _date(end or start))
        elif line is None and qualifier == "435":  # admission date (D8, or DT with the hour)
            claim["admission_date"] = _date(value[:8])
        elif line is None and qualifier == "472":
            claim["claim_date"] = _date(value)
    elif sid == "LX":
        close_line()
        s.line = {"line_number": seg.get(1), "segment": seg.number, "line_control": ""}
        s.entity, s.seen_n4 = "", False
    elif sid in ("SV1", "SV2") and line is not None:
        _service(ic, seg, line, comp)
        if claim["type_inferred"]:
            claim["claim_type"] = "institutional" if sid == "SV2" else "professional"


def _service(ic: Interchange, seg: Segment, line: dict[str, Any], comp: str) -> None:
    if seg.id == "SV1":
        _required(ic, seg, 1, 2, names={1: "procedure", 2: "line charge"})
        proc, charge, units, pos = seg.get(1), seg.get(2), seg.get(4), seg.get(5)
        line["diagnosis_pointers"] = seg.get(7).replace(comp, ":")
        line["revenue_code"] = ""
    else:
        _required(ic, seg, 1, 3, names={1: "revenue code", 3: "line charge"})
        proc, charge, units, pos = seg.get(2), seg.get(3), seg.get(5), ""
        revenue = seg.get(1).strip()
        line["revenue_code"] = (
            revenue.zfill(4) if len(revenue) == 3 and revenue.isdigit() else revenue
        )
        line["diagnosis_pointers"] = ""
    parts = proc.split(comp) if proc else []
    line["procedure_code"] = parts[1] if len(parts) > 1 else ""
    for i in range(4):
        line[f"modifier_{i + 1}"] = parts[2 + i] if len(parts) > 2 + i else ""
    line["billed_amount"] = charge
    line["units"] = units or "1"
    line["place_of_service"] = pos


_CLAIM_FIELDS = (
    "claim_id", "claim_type", "billing_npi", "rendering_npi", "payer_id", "payer_type",
    "member_id", "patient_id", "patient_dob", "patient_sex", "patient_death_date",
    "submission_date", "frequency_code",
)  # fmt: skip


def _rows(claim: dict[str, Any]) -> list[dict[str, Any]]:
    dx = claim["diagnoses"][:12]
    base = {k: claim[k] for k in _CLAIM_FIELDS}
    base.update({f"diagnosis_{i + 1}": dx[i] if i < len(dx) else "" for i in range(12)})
    if claim["claim_type"] == "institutional":
        base.update(institutional_fields(claim))
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
        row["patient_control_number"] = claim["claim_id"]
        row["x12_claim_segment"] = claim["segment"]
        row["x12_segment"] = ln["segment"]
        rows.append(row)
    return rows
