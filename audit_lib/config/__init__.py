"""Run configuration: one frozen dataclass, built and validated by :func:`load_config`.

Precedence: explicit keyword arguments beat the TOML file, which beats the built-in defaults.
Legal thresholds (filing limits) live here, never in rule code, so a report can show the
values it used.

Example config file (``audit.toml``)::

    period = "2026Q3"
    as_of = "2026-09-30"

    [timely_filing_days]        # CLM-TF-02: days from the date of service
    medicaid = 365
    commercial = 180

    [codesets]
    extra_modifiers = ["JZ"]   # codes newer than the shipped CMS file
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomllib

from ..errors import ConfigError
from .access import AccessSettings
from .hospital import HospitalSettings
from .values import check_types, parse_date, parse_period, period_of

__all__ = [
    "AccessSettings",
    "AuditConfig",
    "HospitalSettings",
    "load_config",
    "parse_period",
    "period_of",
    "with_period",
]


DEFAULT_CREDIT_BALANCE_DAYS: dict[str, int] = {
    # REF-T-06: open credit balances older than this are exceptions (RULEBOOK 3.4)
    "medicare": 60,
    "medicaid": 60,
    "default": 90,
}

DEFAULT_TIMELY_FILING_DAYS: dict[str, int] = {
    # CLM-TF-02 defaults. Contracts vary (commercial commonly 90-365 days, Medicaid per state):
    # set the payer's real limits in the config file. self_pay has no filing limit.
    "medicaid": 365,
    "commercial": 180,
    "other": 365,
}


@dataclass(frozen=True)
class AuditConfig:
    """Settings for one review run.

    Attributes:
        period: audit period as ``YYYYQn``; ``None`` means the quarter of the latest service date.
        as_of: the as-of date; ``None`` means the last day of the period.
        timely_filing_days: CLM-TF-02 limit in days per payer type (Medicare is CLM-TF-01,
            fixed by 42 CFR 424.44 at one calendar year).
        amount_tolerance: CLM-AMT-02 tolerance in dollars (rulebook: $0.01).
        control_tolerance: EVD-POP-01 tolerance in dollars when reconciling to control totals
            (row counts must match exactly).
        extra_modifiers: modifiers accepted in addition to the shipped HCPCS/CPT lists.
        ptp_files: CMS NCCI procedure-to-procedure edit files (practitioner and/or outpatient
            hospital) for CLM-NCCI-01, as downloaded (``[codesets] ptp = [...]``).
        mue_files: CMS MUE tables (practitioner, outpatient hospital, DME) for CLM-MUE-01/02/03
            (``[codesets] mue = [...]``). Relative paths are read from the config file's folder.
        hcpcs_file: the CMS HCPCS Level II file with add/termination dates (CLM-PX-02).
        cpt_file: a CPT code list the organisation licenses (code, optional add/term dates).
        mpfs_file: the CMS Medicare Physician Fee Schedule relative value file (PPRRVU) whose
            bilateral surgery indicators CLM-MOD-50 and CLM-MOD-LTRT use (``[codesets] mpfs``).
        mod25_outlier_sd: CLM-MOD-25 aggregate: a provider's share of E/M lines with 25 above
            the other providers' mean + this many standard deviations is a warning.
        mod25_min_em_lines: providers with fewer E/M lines are neither judged nor peers.
        mod25_alpha: and the share must be improbable at the peers' pooled rate (exact
            binomial tail below this).
        bilateral_50_payer_types: payer types that want one line with modifier 50 rather than
            an LT line and an RT line for an indicator-1 code (CLM-MOD-50 warning).
        demo_seed: seed of the synthetic demo quarter (used when no claims file is given).
        demo_claims: number of claims in the synthetic demo quarter.
        clock_resume: 60-day clock after a suspension: ``strict`` (unused days resume) or
            ``restart`` (60 days again); see audit_lib.refunds.clock.
        investigation_start_within_days: REF-60D-02 timeliness of a related investigation.
        pre2025_investigation_days: reasonable-diligence allowance for items identified before
            2025.
        refund_duplicate_window_days: REF-T-04 window for the same claim, payee and amount.
        credit_balance_policy_days: REF-T-06 age of an open credit balance per payer type
            (``default`` for the others).
        approval_threshold: REF-T-11 refund approval threshold in dollars.
        provider_numbers: Medicare provider numbers (PTAN) that file a CMS-838 each quarter,
            besides those in the overpayment log (REF-CB-06).
        cms838: the certification page's fields the log cannot give (``[cms838]``):
            ``provider_names`` (a table: provider number = name), ``certifier_name``,
            ``certifier_title``, ``contact_name``, ``contact_phone``.
        dormancy_years: REF-UP-01 state dormancy period for patient credit balances.
        access: the access-log review's settings (:class:`AccessSettings`).
        hospital: provider attributes of the hospital rules (:class:`HospitalSettings`).
        input_profile: how the input file is laid out: a shipped profile name
            (``synpuf-carrier``...) or a mapping file's path (``[input] profile``).
        date_format: the dates of an input without a profile, when not ISO: a preset
            (``YYYYMMDD``, ``MM/DD/YYYY``, ``DD-MON-YYYY``, ``EXCEL``) or a ``strftime``
            pattern (``[input] date_format``).
    """

    period: str | None = None
    as_of: dt.date | None = None
    timely_filing_days: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_TIMELY_FILING_DAYS)
    )
    amount_tolerance: float = 0.01
    control_tolerance: float = 0.01
    extra_modifiers: tuple[str, ...] = ()
    ptp_files: tuple[str, ...] = ()
    mue_files: tuple[str, ...] = ()
    hcpcs_file: str | None = None
    cpt_file: str | None = None
    mpfs_file: str | None = None
    bilateral_50_payer_types: tuple[str, ...] = ("medicare",)
    mod25_outlier_sd: float = 2.0
    mod25_min_em_lines: int = 20
    mod25_alpha: float = 0.001
    demo_seed: int = 20260930
    demo_claims: int = 4000
    clock_resume: str = "strict"
    investigation_start_within_days: int = 30
    pre2025_investigation_days: int = 180
    refund_duplicate_window_days: int = 30
    credit_balance_policy_days: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_CREDIT_BALANCE_DAYS)
    )
    approval_threshold: float = 10000.0
    provider_numbers: tuple[str, ...] = ()
    cms838: dict[str, Any] = field(default_factory=dict)
    dormancy_years: int = 3
    access: AccessSettings = field(default_factory=AccessSettings)
    hospital: HospitalSettings = field(default_factory=HospitalSettings)
    input_profile: str | None = None
    date_format: str | None = None

    def __post_init__(self) -> None:
        if self.period is not None:
            parse_period(self.period)
        if self.as_of is not None and not isinstance(self.as_of, dt.date):
            raise ConfigError(f"as_of must be a date, got {self.as_of!r}.")
        if self.period is not None and self.as_of is not None:
            start = parse_period(self.period)[0]
            if self.as_of < start:  # every line of the period would be dated in the future
                raise ConfigError(
                    f"--as-of {self.as_of} is before the period {self.period} begins ({start}): "
                    "a review is as of a day in its period or after it. Give a later --as-of "
                    "or the period it belongs to."
                )
        for payer, days in self.timely_filing_days.items():
            if not isinstance(days, int) or days <= 0:
                raise ConfigError(
                    f"timely_filing_days.{payer} must be a positive whole number of days, "
                    f"got {days!r}."
                )
        if self.amount_tolerance < 0:
            raise ConfigError(f"amount_tolerance must be >= 0, got {self.amount_tolerance!r}.")
        if self.clock_resume not in ("strict", "restart"):
            raise ConfigError(
                f"clock_resume must be 'strict' or 'restart', got {self.clock_resume!r}."
            )
        if self.demo_claims <= 0:
            raise ConfigError(f"demo_claims must be positive, got {self.demo_claims!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters, as recorded in ``summary.json``."""
        return {
            "period": self.period,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "timely_filing_days": dict(sorted(self.timely_filing_days.items())),
            "amount_tolerance": self.amount_tolerance,
            "control_tolerance": self.control_tolerance,
            "extra_modifiers": list(self.extra_modifiers),
            "ptp_files": list(self.ptp_files),
            "mue_files": list(self.mue_files),
            "hcpcs_file": self.hcpcs_file,
            "cpt_file": self.cpt_file,
            "mpfs_file": self.mpfs_file,
            "bilateral_50_payer_types": list(self.bilateral_50_payer_types),
            "mod25_outlier_sd": self.mod25_outlier_sd,
            "mod25_min_em_lines": self.mod25_min_em_lines,
            "mod25_alpha": self.mod25_alpha,
            "demo_seed": self.demo_seed,
            "demo_claims": self.demo_claims,
            "clock_resume": self.clock_resume,
            "investigation_start_within_days": self.investigation_start_within_days,
            "pre2025_investigation_days": self.pre2025_investigation_days,
            "refund_duplicate_window_days": self.refund_duplicate_window_days,
            "credit_balance_policy_days": dict(sorted(self.credit_balance_policy_days.items())),
            "provider_numbers": list(self.provider_numbers),
            "cms838": dict(sorted(self.cms838.items())),
            "approval_threshold": self.approval_threshold,
            "dormancy_years": self.dormancy_years,
            "access": self.access.to_dict(),
            "hospital": self.hospital.to_dict(),
            "input_profile": self.input_profile,
            "date_format": self.date_format,
        }


def load_config(path: str | Path | None = None, **overrides: Any) -> AuditConfig:
    """Build an :class:`AuditConfig` from an optional TOML file plus keyword overrides.

    Overrides that are ``None`` are ignored, so CLI options left unset keep the file's values.

    >>> load_config(period="2026Q3").period
    '2026Q3'
    """
    values: dict[str, Any] = {}
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist. Check the --config path.")
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}. Fix the file.") from None
        known = {f.name for f in fields(AuditConfig)}
        codesets = raw.pop("codesets", {}) or {}
        for key, value in (raw.pop("input", {}) or {}).items():  # [input] profile, date_format
            if key not in ("profile", "date_format"):
                raise ConfigError(f"config file {p}: unknown [input] setting {key!r}.")
            if key == "profile" and str(value).endswith(".toml"):
                value = str((p.parent / str(value)).resolve())
            raw["input_profile" if key == "profile" else key] = value
        if "extra_modifiers" in codesets:
            raw["extra_modifiers"] = codesets["extra_modifiers"]
        for key, field_name in (("ptp", "ptp_files"), ("mue", "mue_files")):
            if key in codesets:
                items = codesets[key] if isinstance(codesets[key], list) else [codesets[key]]
                raw[field_name] = tuple(str((p.parent / str(f)).resolve()) for f in items)
        for key in ("hcpcs", "cpt", "mpfs"):
            if key in codesets:
                raw[f"{key}_file"] = str((p.parent / str(codesets[key])).resolve())
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                f"config file {p} has unknown setting(s) {', '.join(unknown)}. "
                f"Known settings: {', '.join(sorted(known))}."
            )
        values.update(raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    check_types(values, path, AuditConfig)
    if isinstance(values.get("access"), dict):  # [access] table, or a recorded to_dict()
        values["access"] = AccessSettings.from_mapping(dict(values["access"]))
    if isinstance(values.get("hospital"), dict):  # [hospital] table, or a recorded to_dict()
        values["hospital"] = HospitalSettings.from_mapping(dict(values["hospital"]))
    if "as_of" in values:
        values["as_of"] = parse_date(values["as_of"], "as_of")
    if values.get("period") is not None:
        values["period"] = str(values["period"]).strip().upper()
    if "timely_filing_days" in values:
        merged = dict(DEFAULT_TIMELY_FILING_DAYS)
        merged.update({str(k).lower(): v for k, v in dict(values["timely_filing_days"]).items()})
        values["timely_filing_days"] = merged
    for name in ("ptp_files", "mue_files"):
        if name in values:
            values[name] = tuple(str(v) for v in values[name])
    if "provider_numbers" in values:
        values["provider_numbers"] = tuple(str(p).strip() for p in values["provider_numbers"])
    if "bilateral_50_payer_types" in values:
        values["bilateral_50_payer_types"] = tuple(
            str(t).strip().lower() for t in values["bilateral_50_payer_types"]
        )
    if "extra_modifiers" in values:
        values["extra_modifiers"] = tuple(str(m).strip().upper() for m in values["extra_modifiers"])
    try:
        return AuditConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from None


def with_period(config: AuditConfig, period: str, as_of: dt.date) -> AuditConfig:
    """A copy of ``config`` with the resolved period and as-of date filled in."""
    return replace(config, period=period, as_of=as_of)
