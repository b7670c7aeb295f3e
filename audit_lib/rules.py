"""The rule catalogue: ids, titles, severities and sources from RULEBOOK.md.

Rules are data. The engine that evaluates them (the Great Expectations suite in
``audit_lib.gx``) refers to them by id, so the same catalogue serves any engine.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ACCESS_RULES", "CLAIMS_RULES", "REFUNDS_RULES", "Rule", "get_rule"]


@dataclass(frozen=True)
class Rule:
    """One audit rule.

    ``severity`` is the default; ``severity_institutional`` overrides it on institutional
    claims where the rulebook distinguishes them. ``amount`` says which money a finding puts at
    stake: ``billed`` (the line charge), ``excess`` (the amount over the limit) or ``None``.
    """

    rule_id: str
    title: str
    severity: str
    source: str
    amount: str | None = "billed"
    severity_institutional: str | None = None


_R = Rule
CLAIMS_RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in [
        _R(
            "CLM-PARSE-01",
            "Value cannot be parsed (wrong type or format)",
            "error",
            "DATA_CONTRACT.md input conventions",
            None,
        ),
        _R("CLM-REQ-01", "Required value is empty", "error", "DATA_CONTRACT.md claims table", None),
        _R(
            "CLM-KEY-01",
            "claim_id:line_number appears more than once",
            "error",
            "DATA_CONTRACT.md claims key",
            None,
        ),
        _R(
            "CLM-NPI-01",
            "NPI is not 10 digits starting with 1 or 2",
            "error",
            "CMS NPI standard (RULEBOOK 1.1)",
        ),
        _R(
            "CLM-NPI-02",
            "NPI check digit fails (Luhn with 80840 prefix)",
            "error",
            "CMS NPI check-digit algorithm (RULEBOOK 1.1)",
        ),
        _R(
            "CLM-DX-01",
            "ICD-10-CM code syntax invalid",
            "error",
            "ICD-10-CM code structure (RULEBOOK 1.2)",
        ),
        _R(
            "CLM-DX-02",
            "ICD-10-CM code not billable (unknown or a header code)",
            "error",
            "ICD-10-CM tabular, billable leaf codes (RULEBOOK 1.2)",
        ),
        _R(
            "CLM-DX-03",
            "External-cause code (V00-Y99) listed first",
            "warning",
            "Medicare Code Editor edit 2 (RULEBOOK 1.2)",
            "billed",
            "error",
        ),
        _R(
            "CLM-DX-04",
            "Secondary diagnosis repeats the first-listed code",
            "warning",
            "Medicare Code Editor edit 3 (RULEBOOK 1.2)",
            None,
        ),
        _R(
            "CLM-PX-01",
            "Procedure code is not CPT or HCPCS Level II syntax",
            "error",
            "CPT / HCPCS code structure (RULEBOOK 1.3)",
        ),
        _R("CLM-PX-03", "Units not greater than zero", "error", "RULEBOOK 1.3"),
        _R(
            "CLM-MOD-01",
            "Modifier not in the valid HCPCS/CPT modifier set",
            "error",
            "CMS HCPCS Level II modifiers + CPT modifier numbers (RULEBOOK 1.4)",
        ),
        _R(
            "CLM-POS-01",
            "Place of service not on the CMS list",
            "error",
            "CMS Place of Service code set (RULEBOOK 1.7)",
        ),
        _R("CLM-DT-01", "Service date after the as-of date", "error", "RULEBOOK 1.10"),
        _R("CLM-DT-02", "service_date_to before service_date", "error", "RULEBOOK 1.10"),
        _R("CLM-DT-03", "Submitted before the service (end) date", "error", "RULEBOOK 1.10"),
        _R("CLM-DT-05", "Date of birth after the service date", "error", "RULEBOOK 1.10"),
        _R(
            "CLM-DT-06",
            "Service after the patient's date of death",
            "error",
            "RULEBOOK 1.10 (long-standing OIG target)",
        ),
        _R("CLM-AMT-01", "Negative amount", "error", "RULEBOOK 1.11", None),
        _R(
            "CLM-AMT-02",
            "Paid > allowed (error) or allowed > billed (warning)",
            "error",
            "RULEBOOK 1.11",
            "excess",
        ),
        _R(
            "CLM-PX-02",
            "Procedure code not active on the date of service (HCPCS file, licensed CPT list)",
            "error",
            "CMS HCPCS file add/termination dates (RULEBOOK 1.3)",
        ),
        _R(
            "CLM-MOD-25",
            "Modifier 25 on a non-E/M code, or on an E/M with no other same-day service",
            "error",
            "RULEBOOK 1.4 (ACEP modifier FAQ; OIG modifier 25 reviews)",
        ),
        _R(
            "CLM-MOD-59X",
            "59 together with XE/XS/XP/XU (error); 59/X on an E/M code, on a line in no NCCI "
            "pair to bypass, or where the lines show a more specific X modifier (warnings)",
            "error",
            "RULEBOOK 1.4 (NCCI PTP modifier indicators)",
        ),
        _R(
            "CLM-MOD-7677",
            "Same code, patient and date repeated without 76/77/91/59/X/anatomic modifier",
            "warning",
            "RULEBOOK 1.4",
        ),
        _R(
            "CLM-MOD-50",
            "Bilateral modifier 50 with units other than 1, with LT/RT, or on a code whose MPFS "
            "bilateral indicator is 0/2/9 (error) or 3 (warning); LT and RT lines of an "
            "indicator-1 code for a payer that wants 50 (warning)",
            "error",
            "RULEBOOK 1.4 (MPFS bilateral surgery rules)",
        ),
        _R(
            "CLM-MOD-LTRT",
            "Both LT and RT on one line (error); LT/RT on a code the MPFS prices as bilateral "
            "(warning)",
            "error",
            "RULEBOOK 1.4",
        ),
        _R(
            "CLM-DX-05",
            "Diagnosis on a Medicare Code Editor age list (newborn, pediatric, maternity, adult) "
            "outside its age range in the MCE version of the date of service, or age > 124",
            "warning",
            "MCE edit 4 (RULEBOOK 1.2)",
            severity_institutional="error",
        ),
        _R(
            "CLM-NCCI-01",
            "NCCI procedure-to-procedure edit: column 2 code billed with its column 1 code",
            "error",
            "CMS NCCI PTP edits (RULEBOOK 1.5)",
        ),
        _R(
            "CLM-MUE-01",
            "Units on one line above the MUE (adjudication indicator 1)",
            "error",
            "CMS MUE (RULEBOOK 1.6)",
        ),
        _R(
            "CLM-MUE-02",
            "Units per patient, provider and day above the MUE (indicator 2, policy)",
            "error",
            "CMS MUE (RULEBOOK 1.6)",
        ),
        _R(
            "CLM-MUE-03",
            "Units per patient, provider and day above the MUE (indicator 3, clinical)",
            "warning",
            "CMS MUE (RULEBOOK 1.6)",
        ),
        _R(
            "CLM-AMT-03",
            "835 line does not balance: charge - adjustments != paid",
            "error",
            "X12 835 balancing (RULEBOOK 1.11)",
            "excess",
        ),
        _R(
            "CLM-AMT-04",
            "835 claim does not balance: charge - claim and line adjustments != paid",
            "error",
            "X12 835 balancing (RULEBOOK 1.11)",
            "excess",
        ),
        _R(
            "CLM-AMT-08",
            "835 payment does not balance: BPR02 != sum of claim payments - provider adjustments",
            "error",
            "X12 835 balancing, transaction level (RULEBOOK 1.11)",
            "excess",
        ),
        _R(
            "CLM-TF-01",
            "Medicare claim filed more than one calendar year after service",
            "error",
            "42 CFR 424.44; Medicare Claims Processing Manual ch. 1 s.70 (RULEBOOK 1.8)",
        ),
        _R(
            "CLM-TF-02",
            "Claim filed after the payer's configured filing limit",
            "error",
            "Payer contract / state Medicaid rules, configured (RULEBOOK 1.8)",
        ),
        _R(
            "CLM-DUP-01",
            "Exact duplicate of an earlier line",
            "error",
            "Medicare Claims Processing Manual ch. 1 s.120 (RULEBOOK 1.9)",
        ),
        _R(
            "EVD-POP-01",
            "Population total differs from the control total beyond tolerance",
            "error",
            "AS 1105 (information produced by the entity); RULEBOOK 6.2",
            "excess",
        ),
        _R(
            "EVD-POP-02",
            "Row outside the audit period (cut-off)",
            "error",
            "RULEBOOK 6.2 period cut-off",
        ),
        _R(
            "CLM-DUP-02",
            "Suspect duplicate of an earlier line",
            "warning",
            "Medicare Claims Processing Manual ch. 1 s.120; contractor criteria (RULEBOOK 1.9)",
        ),
    ]
}


_RB3 = "RULEBOOK 3"
REFUNDS_RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in [
        _R(
            "REF-PARSE-01",
            "Value cannot be parsed (wrong type or format)",
            "error",
            "DATA_CONTRACT.md input conventions",
            None,
        ),
        _R("REF-REQ-01", "Required value is empty", "error", "DATA_CONTRACT.md overpayments", None),
        _R(
            "REF-KEY-01",
            "overpayment_id appears more than once",
            "error",
            "DATA_CONTRACT.md overpayments key",
            None,
        ),
        _R(
            "REF-60D-01",
            "Not reported and returned by the 60-day deadline",
            "error",
            "SSA 1128J(d); 42 CFR 401.305 (RULEBOOK 3.1)",
        ),
        _R(
            "REF-60D-02",
            "Claimed suspension of the 60-day clock is not legitimate",
            "warning",
            "42 CFR 401.305 as amended for 2025 (RULEBOOK 3.1)",
            None,
        ),
        _R(
            "REF-60D-03",
            "Identified more than 6 years after the payment was received",
            "warning",
            "42 CFR 401.305(f) lookback (RULEBOOK 3.1)",
        ),
        _R(
            "REF-60D-04",
            "Refunded amount differs from the overpayment",
            "error",
            "RULEBOOK 3.1 quantification",
            "excess",
        ),
        _R(
            "REF-60D-05",
            "No reason recorded for the overpayment",
            "error",
            "SSA 1128J(d)(1) written reason (RULEBOOK 3.1)",
            None,
        ),
        _R("REF-T-02", "Refund larger than the overpayment", "error", f"{_RB3}.4", "excess"),
        _R(
            "REF-T-03",
            "Refund paid to a party other than the one that overpaid",
            "error",
            f"{_RB3}.4",
        ),
        _R("REF-T-04", "Duplicate refund (same claim, payee and amount)", "error", f"{_RB3}.4"),
        _R("REF-T-06", "Open credit balance older than policy", "warning", f"{_RB3}.4"),
        _R(
            "REF-T-09",
            "Refund without a claim link or reason, or linked to an unknown claim",
            "error",
            f"{_RB3}.4",
            None,
        ),
        _R("REF-T-10", "Overpayment offset by the payer and also refunded", "error", f"{_RB3}.4"),
        _R("REF-T-11", "Round-amount or just-below-threshold refund", "warning", f"{_RB3}.4"),
        _R(
            "REF-CB-02",
            "CMS-838 detail row arithmetic or codes wrong",
            "error",
            "CMS-838 detail page instructions (RULEBOOK 3.2)",
        ),
        _R(
            "REF-CB-04",
            "CMS-838 row with a Medicare paid date after quarter end",
            "error",
            "CMS-838 instructions; NHIC top rejection reasons (RULEBOOK 3.2)",
        ),
        _R(
            "REF-CB-05",
            "Credit balance already reported on the prior quarter's CMS-838",
            "warning",
            "CMS-838 instructions: no re-reporting (RULEBOOK 3.2)",
        ),
        _R(
            "REF-CB-03",
            "CMS-838 not filed within 30 days of quarter end, or certification page not signed, "
            "dated and titled",
            "error",
            "CMS-838 instructions (RULEBOOK 3.2); 42 CFR 405.371",
        ),
        _R(
            "REF-CB-06",
            "No CMS-838 certification page for a provider number this quarter (required even "
            "with no credit balances)",
            "error",
            "CMS-838 instructions (RULEBOOK 3.2)",
        ),
        _R(
            "REF-CB-07",
            "A CMS-838 detail line lacks a field the form requires (a MAC treats an incomplete "
            "report as not received)",
            "error",
            "CMS-838 instructions, detail page columns 1-15 (RULEBOOK 3.2)",
        ),
        _R(
            "REF-UP-01",
            "Patient credit balance dormant beyond the state period, not escheated",
            "warning",
            f"{_RB3}.3 (state unclaimed-property law)",
        ),
        _R("REF-UP-03", "Program or insurer money in the escheat set", "error", f"{_RB3}.3"),
    ]
}


_RB5 = "RULEBOOK 5"
ACCESS_RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in [
        _R(
            "LOG-PARSE-01",
            "Value cannot be parsed (wrong type or format)",
            "error",
            "DATA_CONTRACT.md input conventions",
            None,
        ),
        _R(
            "LOG-REQ-01",
            "Required value is empty in a reference table (workforce, patients, encounters)",
            "error",
            "DATA_CONTRACT.md workforce, patients, encounters",
            None,
        ),
        _R(
            "LOG-KEY-01",
            "Key appears more than once (event_id, user_id or patient_id)",
            "error",
            "DATA_CONTRACT.md keys",
            None,
        ),
        _R(
            "LOG-I-03",
            "Access event with a required field empty",
            "error",
            f"{_RB5}.2; 45 CFR 164.312(b)",
            None,
        ),
        _R(
            "LOG-I-04",
            "Event time in the future or outside the review period",
            "error",
            f"{_RB5}.2",
            None,
        ),
        _R(
            "LOG-I-05",
            "User id in the log not found in the workforce roster",
            "warning",
            f"{_RB5}.2; 45 CFR 164.312(a)(2)(i)",
            None,
        ),
        _R("LOG-R-01", "Self-access: the user opened their own record", "error", f"{_RB5}.3", None),
        _R(
            "LOG-R-02",
            "Family or household member (same last name and address or postal code), no "
            "treatment relationship",
            "error",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-04",
            "Co-worker's record opened without a treatment relationship (error in the same "
            "department)",
            "warning",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-05",
            "VIP or restricted record opened without a treatment relationship or by "
            "break-the-glass",
            "error",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-06",
            "Deceased patient's record opened after death by a role outside HIM/billing",
            "warning",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-07",
            "No treatment relationship within the window (department mismatch)",
            "warning",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-08",
            "Shared, generic or unmapped account, or one account in use in two places at once "
            "(concurrent sessions)",
            "error",
            f"{_RB5}.3; 45 CFR 164.312(a)(2)(i)",
            None,
        ),
        _R("LOG-R-09", "Access after the user's termination date", "error", f"{_RB5}.3", None),
        _R("LOG-R-10", "After-hours access by a day-shift user", "warning", f"{_RB5}.3", None),
        _R("LOG-R-11", "Break-the-glass without a reason", "error", f"{_RB5}.3", None),
        _R(
            "LOG-R-12",
            "Bulk access: distinct patients in a work day, in a clock hour, or printed/exported "
            "in a day, above the role and the user's own baseline (other days or hours) or a cap",
            "warning",
            f"{_RB5}.3",
            None,
        ),
        _R(
            "LOG-R-16",
            "Repeat offender: alerts on several days, escalated as one case",
            "error",
            f"{_RB5}.3 (Bluesight multi-incident cases)",
            None,
        ),
    ]
}


def get_rule(rule_id: str) -> Rule:
    """Look a rule up by id, suggesting the closest id when it is unknown."""
    try:
        return {**CLAIMS_RULES, **REFUNDS_RULES, **ACCESS_RULES}[rule_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(
            rule_id, [*CLAIMS_RULES, *REFUNDS_RULES, *ACCESS_RULES], n=1
        )
        hint = f" Did you mean {close[0]}?" if close else ""
        raise KeyError(f"unknown rule id {rule_id!r}.{hint}") from None
