"""Writing the demo quarter as X12: an 837P (professional lines), an 837I (institutional lines)
and an 835 (the adjudicated lines), so the X12 path can be demonstrated end to end.

Claim-level fields are taken from each claim's first line (X12 cannot carry per-line values
for them). The 835 balances by construction (CO-45 = charge - allowed, PR-2 = patient
responsibility, denials CO with the line's CARC) unless the demo planted an amount defect.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["write_demo_x12"]

_FILING = {"medicare": "MB", "medicaid": "MC", "commercial": "CI", "self_pay": "ZZ", "other": "ZZ"}


def _d8(value: str) -> str:
    return str(value).replace("-", "")


def _envelope(body: list[str], gs_code: str, version: str, control: int) -> str:
    isa = (
        "ISA*00*" + " " * 10 + "*00*" + " " * 10 + "*ZZ*" + "AUDITSUITEDEMO".ljust(15)
        + "*ZZ*" + "RECEIVER".ljust(15) + "*261001*1200*^*00501*" + f"{control:09d}"
        + "*0*T*:"
    )  # fmt: skip
    segs = [
        isa,
        f"GS*{gs_code}*AUDITSUITEDEMO*RECEIVER*20261001*1200*{control}*X*{version}",
        f"ST*{body[0]}*0001*{version}",
        *body[1:],
    ]
    n_st = len(body)  # ST .. last body segment
    segs.append(f"SE*{n_st + 1}*0001")
    segs += [f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(segs) + "~\n"


def _claims_837(claims: pd.DataFrame, institutional: bool) -> str:
    version = "005010X223A2" if institutional else "005010X222A1"
    body = [
        "837",
        "BHT*0019*00*DEMO*20261001*1200*CH",
        "NM1*41*2*AUDIT SUITE DEMO*****46*DEMO",
        "PER*IC*DEMO*TE*5555550100",
        "NM1*40*2*DEMO RECEIVER*****46*RECEIVER",
    ]
    hl = 0
    for claim_id, lines in claims.groupby("claim_id", sort=False):
        first = lines.iloc[0]
        hl += 1
        body += [
            f"HL*{hl}**20*1",
            f"NM1*85*2*DEMO BILLING*****XX*{first['billing_npi']}",
            "N3*1 MAIN ST",
            "N4*AUSTIN*TX*78701",
            "REF*EI*123456789",
            f"HL*{hl + 1}*{hl}*22*0",
            f"SBR*P*18*******{_FILING.get(first['payer_type'], 'ZZ')}",
            f"NM1*IL*1*DEMO*PATIENT****MI*{first['member_id'] or first['patient_id']}",
            f"DMG*D8*{_d8(first['patient_dob'])}*{first['patient_sex'] or 'U'}",
            f"NM1*PR*2*{first['payer_id']}*****PI*{first['payer_id']}",
        ]
        hl += 1
        total = pd.to_numeric(lines["billed_amount"].str.lstrip("$"), errors="coerce").sum()
        facility = "13" if institutional else (first["place_of_service"] or "11")
        body.append(
            f"CLM*{claim_id}*{total:.2f}***{facility}:{'A' if institutional else 'B'}:"
            f"{first['frequency_code'] or '1'}*Y*A*Y*Y"
        )
        if institutional and first["service_date"]:
            end = first["service_date_to"] or first["service_date"]
            body.append(f"DTP*434*RD8*{_d8(first['service_date'])}-{_d8(end)}")
        dx = [first[f"diagnosis_{i}"] for i in range(1, 5) if first.get(f"diagnosis_{i}")]
        if dx:
            kinds = ["ABK" if i == 0 else "ABF" for i in range(len(dx))]
            body.append(
                "HI*"
                + "*".join(f"{k}:{c.replace('.', '')}" for k, c in zip(kinds, dx, strict=True))
            )
        if first["rendering_npi"]:
            body.append(f"NM1*82*1*DEMO*RENDERING****XX*{first['rendering_npi']}")
        for _, ln in lines.iterrows():  # a writer for demo files: a few thousand segments
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
            body.append(f"DTP*472*D8*{_d8(ln['service_date'])}")
    return _envelope(body, "HC", version, 1001 if institutional else 1000)


def _remits_835(claims: pd.DataFrame) -> str:
    done = claims[claims["claim_status"].isin(["paid", "denied", "partial"])]
    paid_total = pd.to_numeric(done["paid_amount"], errors="coerce").fillna(0).sum()
    body = [
        "835",
        f"BPR*I*{paid_total:.2f}*C*CHK************20261001",
        "TRN*1*DEMO0001*1999999999",
        "N1*PR*DEMO PAYERS",
        "N1*PE*DEMO BILLING*XX*1999999999",
        "LX*1",
    ]

    def num(v) -> float:
        x = pd.to_numeric(str(v).lstrip("$"), errors="coerce")
        return 0.0 if pd.isna(x) else float(x)

    for claim_id, lines in done.groupby("claim_id", sort=False):
        charge = sum(num(v) for v in lines["billed_amount"])
        paid = sum(num(v) for v in lines["paid_amount"])
        resp = sum(num(v) for v in lines["patient_responsibility"])
        status = "4" if (lines["claim_status"] == "denied").all() else "1"
        body.append(f"CLP*{claim_id}*{status}*{charge:.2f}*{paid:.2f}*{resp:.2f}*12*ICN{claim_id}")
        for _, ln in lines.iterrows():
            billed, allowed = num(ln["billed_amount"]), num(ln["allowed_amount"])
            line_paid, pr = num(ln["paid_amount"]), num(ln["patient_responsibility"])
            body.append(
                f"SVC*HC:{ln['procedure_code']}*{billed:.2f}*{line_paid:.2f}**{ln['units']}"
            )
            body.append(f"DTM*472*{_d8(ln['service_date'])}")
            if ln["claim_status"] == "denied":
                code = (ln["adjustment_codes"] or "CO-50").split("|")[0]
                group, reason = code.split("-", 1)
                body.append(f"CAS*{group}*{reason}*{billed:.2f}")
            else:
                if billed - allowed:
                    body.append(f"CAS*CO*45*{billed - allowed:.2f}")
                if pr:
                    body.append(f"CAS*PR*2*{pr:.2f}")
                body.append(f"AMT*B6*{allowed:.2f}")
    return _envelope(body, "HP", "005010X221A1", 2000)


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
