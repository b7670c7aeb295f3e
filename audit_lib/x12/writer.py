"""Writing the demo quarter as X12: an 837P (professional lines), an 837I (institutional lines)
and an 835 (the adjudicated lines), so the X12 path can be demonstrated end to end.

Claims are sent in one transaction set per submission date (BHT04 is the date the claims
were submitted) and remitted in one 835 transaction set per payment date (BPR16). Claim-level
fields are taken from each claim's first line (X12 cannot carry per-line values for them; the
demo plants defects of claim-level fields on one-line claims). The patient is the medical
record number (REF*EA), the line's rendering NPI goes in 2420A where it differs from the
claim's, and every line carries a line item control number (REF*6R, its row in the demo
table) that the 835 returns. Self-pay claims are sent with claim filing indicator 09 and are
not remitted. The 835 balances by construction (CO-45 = charge - allowed, the line's PR code =
patient responsibility, denials with the line's CARC) unless the demo planted an amount
defect.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_demo_x12"]

_FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "CI", "self_pay": "09", "other": "ZZ"}


def _d8(value: str) -> str:
    return str(value).replace("-", "")


def _envelope(sets: list[list[str]], gs_code: str, version: str, control: int) -> str:
    """One interchange and functional group around transaction sets (each: ST01, then the
    segments after ST)."""
    isa = (
        "ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*" + "AUDITSUITEDEMO".ljust(15)
        + "*ZZ*" + "RECEIVER".ljust(15) + "*261001*1200*^*00501*" + f"{control:09d}"
        + "*0*T*:"
    )  # fmt: skip
    segs = [isa, f"GS*{gs_code}*AUDITSUITEDEMO*RECEIVER*20261001*1200*{control}*X*{version}"]
    for n, body in enumerate(sets, start=1):
        segs += [f"ST*{body[0]}*{n:04d}*{version}", *body[1:], f"SE*{len(body) + 1}*{n:04d}"]
    segs += [f"GE*{len(sets)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(segs) + "~\n"


def _claim(claim_id: str, lines: pd.DataFrame, institutional: bool, hl: int) -> list[str]:
    first = lines.iloc[0]
    member = first["member_id"]
    body = [
        f"HL*{hl}**20*1",
        f"NM1*85*2*DEMO BILLING*****XX*{first['billing_npi']}",
        "N3*1 MAIN ST",
        "N4*AUSTIN*TX*78701",
        "REF*EI*123456789",
        f"HL*{hl + 1}*{hl}*22*0",
        f"SBR*P*18*******{_FILING.get(first['payer_type'], 'ZZ')}",
        "NM1*IL*1*DEMO*PATIENT" + (f"****MI*{member}" if member else ""),
        f"DMG*D8*{_d8(first['patient_dob'])}*{first['patient_sex'] or 'U'}",
    ]
    if first["patient_death_date"]:
        body.append(f"PAT*****D8*{_d8(first['patient_death_date'])}")
    body.append(f"NM1*PR*2*{first['payer_id']}*****PI*{first['payer_id']}")
    total = pd.to_numeric(lines["billed_amount"].str.lstrip("$"), errors="coerce").sum()
    facility = "13" if institutional else (first["place_of_service"] or "11")
    body.append(
        f"CLM*{claim_id}*{total:.2f}***{facility}:{'A' if institutional else 'B'}:"
        f"{first['frequency_code'] or '1'}*Y*A*Y*Y"
    )
    if institutional and first["service_date"]:
        end = first["service_date_to"] or first["service_date"]
        body.append(f"DTP*434*RD8*{_d8(first['service_date'])}-{_d8(end)}")
    body.append(f"REF*EA*{first['patient_id']}")
    dx = [first[f"diagnosis_{i}"] for i in range(1, 13) if first.get(f"diagnosis_{i}")]
    if dx:
        kinds = ["ABK" if i == 0 else "ABF" for i in range(len(dx))]
        body.append(
            "HI*" + "*".join(f"{k}:{c.replace('.', '')}" for k, c in zip(kinds, dx, strict=True))
        )
    if first["rendering_npi"]:
        body.append(f"NM1*82*1*DEMO*RENDERING****XX*{first['rendering_npi']}")
    for row, ln in lines.iterrows():  # a writer for demo files: a few thousand segments
        mods = ":".join(m for m in (ln["modifier_1"], ln["modifier_2"], ln["modifier_3"],
                                    ln["modifier_4"]) if m)  # fmt: skip
        proc = f"HC:{ln['procedure_code']}" + (f":{mods}" if mods else "")
        body.append(f"LX*{ln['line_number']}")
        if institutional:
            body.append(f"SV2*0450*{proc}*{ln['billed_amount']}*UN*{ln['units']}")
        else:
            body.append(
                f"SV1*{proc}*{ln['billed_amount']}*UN*{ln['units']}*{ln['place_of_service']}**1"
            )
        if institutional and ln["service_date_to"]:
            body.append(f"DTP*472*RD8*{_d8(ln['service_date'])}-{_d8(ln['service_date_to'])}")
        else:
            body.append(f"DTP*472*D8*{_d8(ln['service_date'])}")
        body.append(f"REF*6R*{row}")
        if ln["rendering_npi"] != first["rendering_npi"]:
            body.append(f"NM1*82*1*DEMO*RENDERING****XX*{ln['rendering_npi']}")
    return body


def _claims_837(claims: pd.DataFrame, institutional: bool) -> str:
    version = "005010X223A2" if institutional else "005010X222A1"
    sets = []
    for submitted, batch in claims.groupby("submission_date", sort=True):
        body = [
            "837",
            f"BHT*0019*00*DEMO*{_d8(submitted)}*1200*CH",
            "NM1*41*2*AUDIT SUITE DEMO*****46*DEMO",
            "PER*IC*DEMO*TE*5555550100",
            "NM1*40*2*DEMO RECEIVER*****46*RECEIVER",
        ]
        hl = 1
        for claim_id, lines in batch.groupby("claim_id", sort=False):
            body += _claim(claim_id, lines, institutional, hl)
            hl += 2
        sets.append(body)
    return _envelope(sets, "HC", version, 1001 if institutional else 1000)


def _num(v) -> float:
    x = pd.to_numeric(str(v).lstrip("$"), errors="coerce")
    return 0.0 if pd.isna(x) else float(x)


def _remit_lines(lines: pd.DataFrame) -> list[str]:
    body = []
    for row, ln in lines.iterrows():
        billed, allowed = _num(ln["billed_amount"]), _num(ln["allowed_amount"])
        line_paid, pr = _num(ln["paid_amount"]), _num(ln["patient_responsibility"])
        body.append(f"SVC*HC:{ln['procedure_code']}*{billed:.2f}*{line_paid:.2f}**{ln['units']}")
        body.append(f"DTM*472*{_d8(ln['service_date'])}")
        codes = [c for c in (ln["adjustment_codes"] or "").split("|") if "-" in c]
        if ln["claim_status"] == "denied":
            group, reason = (codes or ["CO-50"])[0].split("-", 1)
            body.append(f"CAS*{group}*{reason}*{billed:.2f}")
        else:
            for code in codes:
                group, reason = code.split("-", 1)
                amount = billed - allowed if group == "CO" else pr
                if amount:
                    body.append(f"CAS*{group}*{reason}*{amount:.2f}")
        body.append(f"REF*6R*{row}")
        if ln["claim_status"] != "denied":
            body.append(f"AMT*B6*{allowed:.2f}")
    return body


def _remits_835(claims: pd.DataFrame) -> str:
    done = claims[
        claims["claim_status"].isin(["paid", "denied", "partial"])
        & (claims["payer_type"] != "self_pay")
        & (claims["paid_date"] != "")
    ]
    sets = []
    remitted = done.groupby("claim_id")["paid_date"].transform("max")  # one CLP per claim
    for paid_on, batch in done.groupby(remitted, sort=True):
        paid_total = sum(_num(v) for v in batch["paid_amount"])
        body = [
            "835",
            f"BPR*I*{paid_total:.2f}*C*CHK************{_d8(paid_on)}",
            "TRN*1*DEMO0001*1999999999",
            "N1*PR*DEMO PAYERS",
            "N1*PE*DEMO BILLING*XX*1999999999",
            "LX*1",
        ]
        for claim_id, lines in batch.groupby("claim_id", sort=False):
            charge = sum(_num(v) for v in lines["billed_amount"])
            paid = sum(_num(v) for v in lines["paid_amount"])
            resp = sum(_num(v) for v in lines["patient_responsibility"])
            status = "4" if (lines["claim_status"] == "denied").all() else "1"
            body.append(
                f"CLP*{claim_id}*{status}*{charge:.2f}*{paid:.2f}*{resp:.2f}*12*ICN{claim_id}"
            )
            body += _remit_lines(lines)
        sets.append(body)
    return _envelope(sets, "HP", "005010X221A1", 2000)


def write_demo_x12(claims: pd.DataFrame, folder: str | Path) -> dict[str, str]:
    """demo.837 (professional), demo.837i (institutional) and demo.835 into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    c = claims.fillna("").astype(str)
    inst = c["claim_type"].eq("institutional")
    paths = {
        "837p": out / "demo.837",
        "837i": out / "demo.837i",
        "835": out / "demo.835",
    }
    paths["837p"].write_text(_claims_837(c[~inst], institutional=False))
    paths["837i"].write_text(_claims_837(c[inst], institutional=True))
    paths["835"].write_text(_remits_835(c))
    return {k: str(v) for k, v in paths.items()}
