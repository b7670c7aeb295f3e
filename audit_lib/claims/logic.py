"""Claims domain logic as pure, vectorized pandas functions.

The Great Expectations suite calls these (custom expectations, derived columns); so does the
benchmark's plain-pandas baseline. No loops over rows, no I/O.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from ..config import AuditConfig
from .institutional import institutional_flags
from .schema import DIAGNOSIS_COLUMNS, MODIFIER_COLUMNS

# --- syntax (RULEBOOK 1.1-1.3) -------------------------------------------------------------
NPI_FORMAT = r"^[12]\d{9}$"
DX_SYNTAX = r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$"  # on codes normalized without the dot
PX_SYNTAX = (
    r"^(\d{5}|\d{4}[FTUM]|[A-V]\d{4})$"  # CPT I (incl. 4+M), II (F), III (T), PLA (U), HCPCS II
)
EXTERNAL_CAUSE = r"^[V-Y]"

#: modifiers that make a same-day repeat of a code legitimate (CLM-DUP-02, CLM-MOD-7677)
DISTINGUISHING_MODIFIERS = frozenset(
    [
        "76",
        "77",
        "91",
        "59",
        "XE",
        "XS",
        "XP",
        "XU",
        "LT",
        "RT",
        "LC",
        "LD",
        "RC",
        "LM",
        "RI",
        "E1",
        "E2",
        "E3",
        "E4",
        "FA",
        "TA",
    ]
    + [f"F{i}" for i in range(1, 10)]
    + [f"T{i}" for i in range(1, 10)]
)


def age_in_years(at: pd.Series, dob: pd.Series) -> pd.Series:
    """Whole years from ``dob`` to ``at`` (the birthday counts on its day), Int64: the age
    the MCE and the MS-DRG grouper use."""
    at, dob = pd.to_datetime(at), pd.to_datetime(dob)
    before = (at.dt.month < dob.dt.month) | (
        (at.dt.month == dob.dt.month) & (at.dt.day < dob.dt.day)
    )
    return (at.dt.year - dob.dt.year - before.astype("Int64")).astype("Int64")


def npi_check_digit_ok(values: pd.Series) -> pd.Series:
    """True where the NPI's check digit is right, or where the value is not NPI-shaped
    (that is CLM-NPI-01's finding, not this rule's).

    Luhn over ``"80840" + npi``: double every other digit of the first nine, from the right,
    add 24 for the prefix; the check digit makes the total a multiple of 10.

    >>> npi_check_digit_ok(pd.Series(["1234567893", "1234567890", "12"])).tolist()
    [True, False, True]
    """
    text = values.astype("string")
    shaped = text.str.fullmatch(NPI_FORMAT[1:-1]).fillna(False).astype(bool).to_numpy()
    ok = np.ones(len(text), dtype=bool)
    if shaped.any():
        n = text[shaped].astype("int64").to_numpy(dtype=np.int64)
        check = n % 10
        body = n // 10
        total = np.full(len(n), 24, dtype=np.int64)
        for i in range(9):  # nine digit positions, right to left: not a loop over rows
            digit = body % 10
            body //= 10
            if i % 2 == 0:
                doubled = digit * 2
                total += doubled // 10 + doubled % 10
            else:
                total += digit
        ok[shaped] = (10 - total % 10) % 10 == check
    return pd.Series(ok, index=values.index)


def normalize_dx(values: pd.Series) -> pd.Series:
    """ICD-10-CM codes upper-cased without the dot (``E11.9`` and ``e119`` are ``E119``)."""
    return values.astype("string").str.strip().str.upper().str.replace(".", "", regex=False)


def icd10cm_billable_ok(values: pd.Series, dates: pd.Series) -> pd.Series:
    """True where the code is billable in the ICD-10-CM release in force on its date, or not
    code-shaped (CLM-DX-01's), or dated outside every shipped release (reported once by the
    review, not per line: :func:`icd10cm_outside_releases`). Codes are normalised, shaped and
    looked up once per distinct value, then spread back to the rows."""
    from ..codesets import icd10cm

    position, distinct = pd.factorize(values.astype("string"), use_na_sentinel=True)
    codes = normalize_dx(pd.Series(distinct, dtype="string"))
    # one slot more than the distinct codes, for a missing value (factorize's -1 picks it)
    shaped = np.append(codes.str.fullmatch(DX_SYNTAX[1:-1]).fillna(False).to_numpy(bool), False)
    masks = np.append(codes.map(icd10cm.history()).fillna(0).to_numpy(dtype="int64"), 0)
    index = icd10cm.release_index(dates)
    ok = (np.right_shift(masks[position], np.maximum(index, 0)) & 1).astype(bool)
    return pd.Series(~shaped[position] | (index < 0) | ok, index=values.index)


def diagnosis_dates(lines: pd.DataFrame) -> pd.Series:
    """The date a line's diagnoses are judged on (RULEBOOK CLM-DX-02): institutional claims
    their discharge date, else the statement's through date, else the line's last date of
    service; professional claims the date of service."""
    dos = lines["service_date"]
    if "claim_type" not in lines:
        return dos
    inst = lines["claim_type"].eq("institutional").fillna(False).astype(bool)
    through = lines.get("_service_end", dos)
    for col in ("statement_through", "discharge_date"):
        if col in lines:
            through = lines[col].where(lines[col].notna(), through)
    return dos.where(~inst, through)


def icd10cm_outside_releases(diagnoses: pd.DataFrame) -> dict[str, Any] | None:
    """Diagnoses dated outside every shipped ICD-10-CM release (``dx_release`` of the
    diagnoses batch), counted once for the summary (``None`` when there are none)."""
    from ..codesets import icd10cm

    out = (diagnoses["dx_release"].eq(icd10cm.OUTSIDE) & diagnoses["dx_date"].notna()).to_numpy()
    if not out.any():
        return None
    r = icd10cm.releases()
    d = diagnoses["dx_date"][out]
    return {
        "diagnoses": int(out.sum()),
        "lines": int(diagnoses["_row"][out].nunique()),
        "earliest": d.min().date().isoformat(),
        "latest": d.max().date().isoformat(),
        "shipped": f"{r[0].first_day} to {r[-1].last_day}",
        "note": "CLM-DX-02 not evaluated on these diagnoses: no shipped ICD-10-CM release "
        "covers their date",
    }


def display_dx(codes: pd.Series) -> pd.Series:
    """Normalized codes with the dot restored after the third character, for messages."""
    codes = codes.astype("string")
    return codes.where(codes.str.len() <= 3, codes.str.slice(0, 3) + "." + codes.str.slice(3))


# --- timely filing (RULEBOOK 1.8) ------------------------------------------------------------
@functools.cache
def _federal_holidays(start_year: int, end_year: int) -> np.ndarray:
    from ..holidays import federal_holidays

    days = federal_holidays(f"{start_year}-01-01", f"{end_year}-12-31")
    return days.to_numpy().astype("datetime64[D]")


def medicare_filing_deadline(basis: pd.Series) -> pd.Series:
    """Last timely day for a Medicare claim: one calendar year after ``basis`` (Feb 29 files by
    Feb 28), moved to the next workday when it falls on a weekend or federal holiday."""
    out = pd.Series(pd.NaT, index=basis.index, dtype="datetime64[ns]")
    present = basis.notna()
    if not present.any():
        return out
    plus_year = (basis[present] + pd.DateOffset(years=1)).to_numpy().astype("datetime64[D]")
    years = pd.DatetimeIndex(plus_year)
    holidays = _federal_holidays(int(years.year.min()), int(years.year.max()) + 1)
    rolled = np.busday_offset(plus_year, 0, roll="forward", holidays=holidays)
    out[present] = rolled.astype("datetime64[ns]")
    return out


# --- derived columns ----------------------------------------------------------------------
def service_basis_date(frame: pd.DataFrame) -> pd.Series:
    """Date of service that timely filing counts from: the through date on institutional
    claims with a span, otherwise the (line) from date."""
    inst = frame.get("claim_type", pd.Series(pd.NA, index=frame.index)).eq("institutional")
    to = frame.get("service_date_to", pd.Series(pd.NaT, index=frame.index))
    basis = frame["service_date"].copy()
    use_to = inst.fillna(False).astype(bool) & to.notna()
    basis[use_to] = to[use_to]
    return basis


def record_keys(frame: pd.DataFrame) -> pd.Series:
    claim = frame["claim_id"].astype("string").fillna("?")
    line = frame["line_number"].astype("string").fillna("?")
    return (claim + ":" + line).astype("string")


def _modifier_signature(frame: pd.DataFrame) -> pd.Series:
    mods = frame.reindex(columns=list(MODIFIER_COLUMNS)).astype("string")
    sig = pd.Series("", index=frame.index, dtype="string")
    for col in MODIFIER_COLUMNS:  # four columns, not rows
        sig = sig + "|" + mods[col].fillna("")
    return sig


def _has_distinguishing_modifier(frame: pd.DataFrame) -> pd.Series:
    hit = pd.Series(False, index=frame.index)
    for col in MODIFIER_COLUMNS:
        if col in frame:
            hit |= frame[col].isin(DISTINGUISHING_MODIFIERS).fillna(False).astype(bool)
    return hit


def duplicate_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """CLM-DUP-01 / CLM-DUP-02 flags and the record key of the original each repeats.

    The original is the earliest line by submission date, then claim id, then line number; it
    is never flagged. Void and replacement lines (frequency 8/7, status void) neither are nor
    have duplicates. Exact (professional, Medicare ch.1 s.120): same patient, billing and
    rendering NPI, from and through dates, procedure code, modifiers, place of service and
    billed amount. Suspect: same patient, rendering NPI, date and code, not an exact duplicate,
    and the later line carries none of the modifiers that distinguish a repeat.
    """
    f = frame
    excluded = f.get("frequency_code", pd.Series(pd.NA, index=f.index)).isin(["7", "8"]).fillna(
        False
    ).astype(bool) | f.get("claim_status", pd.Series(pd.NA, index=f.index)).eq("void").fillna(
        False
    ).astype(bool)
    eligible = (
        ~excluded
        & f["patient_id"].notna()
        & f["service_date"].notna()
        & f["procedure_code"].notna()
    )
    rendering = f.get("rendering_npi", pd.Series(pd.NA, index=f.index)).fillna(f["billing_npi"])
    keys = pd.DataFrame(
        {
            "patient": f["patient_id"],
            "billing": f["billing_npi"],
            "rendering": rendering,
            "from": f["service_date"],
            "to": f.get("service_date_to", pd.Series(pd.NaT, index=f.index)).fillna(
                f["service_date"]
            ),
            "code": f["procedure_code"],
            "mods": _modifier_signature(f),
            "pos": f.get("place_of_service", pd.Series(pd.NA, index=f.index)),
            "billed": (f["billed_amount"] * 100).round(),
            "sub": f["submission_date"],
            "claim": f["claim_id"],
            "line": f["line_number"],
            "key": record_keys(f),
        }
    )[eligible]
    keys = keys.sort_values(["sub", "claim", "line"], kind="stable", na_position="last")
    exact_cols = ["patient", "billing", "rendering", "from", "to", "code", "mods", "pos", "billed"]
    suspect_cols = ["patient", "rendering", "from", "code"]
    exact = keys.duplicated(exact_cols, keep="first")
    exact_orig = keys.groupby(exact_cols, dropna=False, sort=False)["key"].transform("first")
    later = keys.duplicated(suspect_cols, keep="first")
    suspect_orig = keys.groupby(suspect_cols, dropna=False, sort=False)["key"].transform("first")
    distinguishing = _has_distinguishing_modifier(f).reindex(keys.index)
    suspect = later & ~exact & ~distinguishing

    out = pd.DataFrame(
        {
            "_dup_exact": False,
            "_dup_suspect": False,
            "_dup_of": pd.Series(pd.NA, index=f.index, dtype="string"),
        },
        index=f.index,
    )
    out.loc[exact.index, "_dup_exact"] = exact.to_numpy()
    out.loc[suspect.index, "_dup_suspect"] = suspect.to_numpy()
    of = exact_orig.where(exact, suspect_orig.where(suspect))
    out.loc[of.index, "_dup_of"] = of.astype("string").to_numpy()
    return out


def with_all_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every claims column, absent optional ones empty in their parsed type; the
    institutional columns only as the input has them (their rules say not evaluated)."""
    from .schema import CLAIMS_SCHEMA, INSTITUTIONAL_COLUMNS

    f = frame.copy()
    empty = {
        "date": lambda: pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]"),
        "amount": lambda: pd.Series(np.nan, index=f.index, dtype="float64"),
        "number": lambda: pd.Series(np.nan, index=f.index, dtype="float64"),
        "integer": lambda: pd.Series(pd.NA, index=f.index, dtype="Int64"),
        "boolean": lambda: pd.Series(False, index=f.index, dtype="boolean"),
    }
    for spec in CLAIMS_SCHEMA.columns:
        if spec.name not in f and spec.name not in INSTITUTIONAL_COLUMNS:
            make = empty.get(spec.kind)
            f[spec.name] = make() if make else pd.Series(pd.NA, index=f.index, dtype="string")
    return f


def build_claim_lines(frame: pd.DataFrame, config: AuditConfig) -> pd.DataFrame:
    """The claim-line batch: parsed columns plus the derived columns the suite checks.
    Optional columns the input lacks are added empty, so every check can run."""
    f = with_all_columns(frame)
    for col in DIAGNOSIS_COLUMNS:
        if col in f:
            f[col] = normalize_dx(f[col])
    f["record_key"] = record_keys(f)
    f["_key_repeat"] = (
        f.duplicated(["claim_id", "line_number"], keep="first") & f["claim_id"].notna()
    )
    f["_key_first_row"] = f.groupby(["claim_id", "line_number"], dropna=False, sort=False)[
        "_row"
    ].transform("first")
    secondary = [c for c in DIAGNOSIS_COLUMNS[1:] if c in f]
    repeats = pd.Series(False, index=f.index)
    for col in secondary:  # eleven columns, vectorized over rows
        repeats |= (f[col] == f["diagnosis_1"]).fillna(False).astype(bool)
    f["_dx_repeats_first"] = repeats
    # CLM-REQ-01 on procedure_code: an institutional line with a revenue code may carry none
    # (room and board, pharmacy, supplies); CLM-UB-04 says where a HCPCS code is required
    revenue_line = (
        f["claim_type"].eq("institutional").fillna(False).astype(bool) & f["revenue_code"].notna()
    )
    f["_procedure_missing"] = f["procedure_code"].isna() & ~revenue_line
    basis = service_basis_date(f)
    f["_service_end"] = f.get("service_date_to", pd.Series(pd.NaT, index=f.index)).fillna(
        f["service_date"]
    )
    medicare = f["payer_type"].eq("medicare").fillna(False).astype(bool)
    f["_tf01_deadline"] = medicare_filing_deadline(basis.where(medicare))
    limit_days = f["payer_type"].map(config.timely_filing_days).astype("float64")
    f["_tf02_limit_days"] = limit_days
    f["_tf02_deadline"] = basis + pd.to_timedelta(limit_days, unit="D")
    tol = round(config.amount_tolerance * 100)
    for col in ("billed_amount", "allowed_amount", "paid_amount"):
        f[f"_{col}_cents"] = (
            (f[col] * 100).round() if col in f else pd.Series(np.nan, index=f.index)
        )
    f["_allowed_cents_tol"] = f["_allowed_amount_cents"] + tol
    f["_billed_cents_tol"] = f["_billed_amount_cents"] + tol
    f = f.join(duplicate_flags(f))
    flags = institutional_flags(f)
    for col in flags.columns:  # column by column: a join would copy the whole frame
        f[col] = flags[col]
    return f


def build_long(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """One row per non-empty code in ``columns``: ``_row``, ``position`` (1-based), ``name``,
    ordered by row then position."""
    rows, positions, values = [], [], []
    for pos, col in enumerate(columns, start=1):  # a dozen columns, each vectorized
        if col not in frame:
            continue
        present = frame[col].notna().to_numpy()
        rows.append(frame["_row"].to_numpy(dtype="int64")[present])
        positions.append(np.full(int(present.sum()), pos, dtype="int64"))
        values.append(frame[col][present])
    if not rows:
        return pd.DataFrame(
            {
                "_row": pd.Series(dtype="int64"),
                "position": pd.Series(dtype="int64"),
                name: pd.Series(dtype="string"),
            }
        )
    row = np.concatenate(rows)
    position = np.concatenate(positions)
    order = np.lexsort((position, row))
    value = pd.concat(values, ignore_index=True).astype("string").take(order).reset_index(drop=True)
    return pd.DataFrame({"_row": row[order], "position": position[order], name: value})
