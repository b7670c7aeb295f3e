"""The review pipeline's top layer: the registry of reviews, the sealed run every caller
makes (:func:`run_review`), the compute-and-write step the notebooks call, and
``reperform``. Reviews compute a result and reporting renders it; this layer joins them, and
nothing below imports it."""

from .compute import run_access_review, run_claims_review, run_refunds_review
from .registry import REVIEWS, Input, Review
from .sealed import run_review

__all__ = [
    "REVIEWS",
    "Input",
    "Review",
    "run_access_review",
    "run_claims_review",
    "run_refunds_review",
    "run_review",
]
