"""X12 5010 import: 837P/837I claims and 835 remittances into the canonical tables."""
