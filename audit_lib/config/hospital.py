"""Provider attributes the claims table does not carry (``[hospital]`` in the TOML file),
rulebook §1.12.0: the payment window and the two-midnight rule depend on the kind of
hospital, which only the organisation knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from .values import construct, settings_of


@dataclass(frozen=True)
class HospitalSettings:
    """Settings of the hospital cross-claim rules (``[hospital]``).

    Attributes:
        payment_window_days: CLM-WIN-01 window before the admission for IPPS hospitals
            (42 CFR 412.2(c)(5): 3 days).
        one_day_window_npis: billing NPIs of hospitals with the 1-day window (psychiatric,
            inpatient rehabilitation, long-term care, children's and cancer hospitals).
        window_exempt_npis: billing NPIs outside the window (critical access hospitals).
        facility_of: billing NPI -> facility (a CCN or any label): NPIs of one hospital, or of
            the entities it wholly owns or operates, that share a window. Without it a claim's
            ``facility_ccn`` (when given) or its ``billing_npi`` is the hospital.
        two_midnight_payer_types: CLM-2MN-01 payers (Medicare FFS; Medicare Advantage plans
            follow the rule from CY2024, 42 CFR 422.101(b)(2), when their payer type is added).
        two_midnight_exempt_npis: hospitals the two-midnight benchmark does not apply to
            (inpatient rehabilitation facilities).
        poa_exempt_npis: POA-exempt hospitals (critical access, long-term care, cancer,
            children's, rehabilitation and psychiatric hospitals): grouped as exempt, so the
            HAC provision (CLM-POA-04) does not apply to them.
    """

    payment_window_days: int = 3
    one_day_window_npis: tuple[str, ...] = ()
    window_exempt_npis: tuple[str, ...] = ()
    facility_of: dict[str, str] = field(default_factory=dict)
    two_midnight_payer_types: tuple[str, ...] = ("medicare",)
    two_midnight_exempt_npis: tuple[str, ...] = ()
    poa_exempt_npis: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.payment_window_days <= 10:
            raise ConfigError(
                "[hospital] payment_window_days must be 0-10 days (IPPS: 3), got "
                f"{self.payment_window_days!r}."
            )

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> HospitalSettings:
        values = settings_of(
            cls, raw, "hospital",
            lambda k, x: str(x).strip().lower() if k.endswith("types") else str(x).strip(),
        )  # fmt: skip
        if "facility_of" in values:
            values["facility_of"] = {str(k): str(v) for k, v in values["facility_of"].items()}
        return construct(cls, values, "hospital")

    def to_dict(self) -> dict[str, Any]:
        return {
            "payment_window_days": self.payment_window_days,
            "one_day_window_npis": list(self.one_day_window_npis),
            "window_exempt_npis": list(self.window_exempt_npis),
            "facility_of": dict(sorted(self.facility_of.items())),
            "two_midnight_payer_types": list(self.two_midnight_payer_types),
            "two_midnight_exempt_npis": list(self.two_midnight_exempt_npis),
            "poa_exempt_npis": list(self.poa_exempt_npis),
        }
