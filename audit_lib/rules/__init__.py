"""The rule catalogue, loaded from ``rulebook.toml`` beside this file: for every rule the
suite evaluates, its id, title, severity, the amount a finding puts at stake, the source the
suite cites, and the team rulebook's section, dataset, definition and its own source.

Rules are data. The engines that evaluate them (the Great Expectations suites in
``audit_lib.gx``, the detection SQL of the access review) refer to them by id, so the same
catalogue serves every engine; the README's rule list, the workpapers' Rules sheets and
``docs/RULES.md`` are generated from it (``audit rules``, ``tools/build_rulebook.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import tomllib

__all__ = ["ACCESS_RULES", "ALL_RULES", "CLAIMS_RULES", "REFUNDS_RULES", "Rule", "get_rule"]


@dataclass(frozen=True)
class Rule:
    """One audit rule.

    ``severity`` is the default; ``severity_institutional`` overrides it on institutional
    claims where the rulebook distinguishes them. ``amount`` says which money a finding puts at
    stake: ``billed`` (the line charge), ``excess`` (the amount over the limit) or ``None``.
    ``section``, ``dataset``, ``definition`` and ``rulebook_source`` are the rulebook's;
    ``confidence`` its tag (C confirmed in the source, K domain knowledge, U unconfirmed).
    """

    rule_id: str
    title: str
    severity: str
    source: str
    amount: str | None = "billed"
    severity_institutional: str | None = None
    review: str = ""
    section: str = ""
    dataset: str = ""
    definition: str = ""
    rulebook_source: str = ""
    confidence: str = ""


def _load() -> list[Rule]:
    text = resources.files(__package__).joinpath("rulebook.toml").read_text("utf-8")
    rules = []
    for r in tomllib.loads(text)["rule"]:
        rules.append(
            Rule(
                rule_id=r["id"],
                title=r["title"],
                severity=r["severity"],
                source=r["source"],
                amount=r.get("amount") or None,
                severity_institutional=r.get("severity_institutional"),
                review=r["review"],
                section=r.get("section", ""),
                dataset=r.get("dataset", ""),
                definition=r.get("definition", ""),
                rulebook_source=r.get("rulebook_source", ""),
                confidence=r.get("confidence", ""),
            )
        )
    return rules


ALL_RULES: dict[str, Rule] = {r.rule_id: r for r in _load()}
CLAIMS_RULES: dict[str, Rule] = {k: r for k, r in ALL_RULES.items() if r.review == "claims"}
REFUNDS_RULES: dict[str, Rule] = {k: r for k, r in ALL_RULES.items() if r.review == "refunds"}
ACCESS_RULES: dict[str, Rule] = {k: r for k, r in ALL_RULES.items() if r.review == "access"}


def get_rule(rule_id: str) -> Rule:
    """Look a rule up by id, suggesting the closest id when it is unknown."""
    try:
        return ALL_RULES[rule_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(rule_id, list(ALL_RULES), n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise KeyError(f"unknown rule id {rule_id!r}.{hint}") from None


def rules_markdown() -> str:
    """``docs/RULES.md``: every rule by review and rulebook section, with its definition,
    severity, the amount at stake and its sources (generated; a test keeps it in step)."""
    out = [
        "# Rules",
        "",
        "Generated from `audit_lib/rules/rulebook.toml` (`python tools/build_rulebook.py "
        "--docs`); do not edit by hand. Each finding names its rule id; this page says what "
        "the rule checks and where the requirement comes from. Confidence: C confirmed in the "
        "cited source, K domain knowledge, U unconfirmed (configurable).",
        "",
    ]
    titles = {"claims": "Claims", "refunds": "Overpayments and refunds", "access": "Access logs"}
    for review, title in titles.items():
        out += [f"## {title}", ""]
        for r in (r for r in ALL_RULES.values() if r.review == review):
            severity = r.severity + (
                f" ({r.severity_institutional} on institutional claims)"
                if r.severity_institutional
                else ""
            )
            out += [
                f"### {r.rule_id}: {r.title}",
                "",
                f"- Severity: {severity}; amount at stake: {r.amount or 'none'}; "
                f"rulebook section: {r.section or '-'}; dataset: {r.dataset}"
                + (f"; confidence: {r.confidence}" if r.confidence else ""),
                f"- Source cited in findings: {r.source}",
            ]
            if r.rulebook_source:
                out.append(f"- Rulebook's sources: {r.rulebook_source}")
            out += ["", r.definition, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def readme_rule_list() -> str:
    """The README's list of rule ids, by review (between its generated-list markers)."""
    lines = []
    for review, title in (("claims", "Claims"), ("refunds", "Refunds"), ("access", "Access")):
        ids = [r.rule_id for r in ALL_RULES.values() if r.review == review]
        lines.append(f"- {title} ({len(ids)}): " + ", ".join(f"`{i}`" for i in ids))
    return "\n".join(lines) + "\n"
