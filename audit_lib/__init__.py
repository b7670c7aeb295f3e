"""audit-suite: audit and compliance reviews of US healthcare revenue-cycle data.

>>> import audit_lib
>>> sorted(audit_lib.CLAIMS_RULES)[:2]
['CLM-AMT-01', 'CLM-AMT-02']
"""

from ._version import __version__
from .access.demo import generate_demo_access
from .access.pipeline import AccessReview
from .claims.demo import generate_demo_claims
from .claims.pipeline import ClaimsReview, load_claims
from .config import AuditConfig, load_config, parse_period
from .errors import AuditError, ConfigError, InputError, MissingColumnsError, NotebookRunError
from .phi import Masker
from .refunds.pipeline import RefundsReview
from .rules import ACCESS_RULES, CLAIMS_RULES, REFUNDS_RULES, Rule
from .runs import run_access_review, run_claims_review, run_refunds_review, run_review

__all__ = [
    "ACCESS_RULES",
    "CLAIMS_RULES",
    "REFUNDS_RULES",
    "AccessReview",
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
    "generate_demo_access",
    "generate_demo_claims",
    "load_claims",
    "load_config",
    "parse_period",
    "run_access_review",
    "run_claims_review",
    "run_refunds_review",
    "run_review",
]
