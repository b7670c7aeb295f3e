"""Evidence an external auditor can verify and re-perform: control totals and reconciliation,
run manifests, packages, verification, sign-offs, re-performance, quarter-over-quarter
comparison and the scan for protected values."""
