"""The ``audit`` command: option parsing only. Each command parses its options and calls the
library (``audit_lib.runs`` and the evidence modules), which does the work.

Exit codes: 0 done (findings are results, not failures); 2 bad input or usage; 1 internal
error (see ``app``).
"""

from __future__ import annotations

from . import evidence, reviews, sampling  # noqa: F401  (each registers its commands)
from .app import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, main

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "main"]
