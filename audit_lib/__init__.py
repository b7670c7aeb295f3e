"""audit-suite: audit and compliance reviews of US healthcare revenue-cycle data.

>>> import audit_lib
>>> sorted(audit_lib.CLAIMS_RULES)[:2]
['CLM-AMT-01', 'CLM-AMT-02']
"""

from ._version import __version__
from .claims.demo import generate_demo_claims
from .claims.review import ClaimsReview, load_claims, run_claims_review
from .config import AuditConfig, load_config, parse_period
from .errors import AuditError, ConfigError, InputError, MissingColumnsError, NotebookRunError
from .phi import Masker
from .refunds.pipeline import RefundsReview, run_refunds_review
from .rules import CLAIMS_RULES, REFUNDS_RULES, Rule

__all__ = [
    "CLAIMS_RULES",
    "REFUNDS_RULES",
    "AuditConfig",
    "AuditError",
    "ClaimsReview",
    "ConfigError",
    "InputError",
    "Masker",
    "MissingColumnsError",
    "NotebookRunError",
    "RefundsReview",
    "Rule",
    "__version__",
    "generate_demo_claims",
    "load_claims",
    "load_config",
    "parse_period",
    "run_claims_review",
    "run_refunds_review",
]
