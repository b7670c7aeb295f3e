"""The rulebook as data (issue 15): one file declares every rule; the code evaluates exactly
the declared rules; every planted demo defect has one; the generated pages are in step.

"Evaluated" is read from the source with ``ast``: every rule id in a string of the package's
code (its checks, SQL, joins and group rules; not comments or docstrings) outside the
catalogue itself. A rule the code stops naming, or one it starts naming without a
declaration, fails here on every checkout."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import audit_lib
from audit_lib.rules import (
    ACCESS_RULES,
    ALL_RULES,
    CLAIMS_RULES,
    REFUNDS_RULES,
    readme_rule_list,
    rules_markdown,
)

PACKAGE = Path(audit_lib.__file__).parent
ROOT = PACKAGE.parent
RULE_ID = re.compile(r"\b(?:CLM|REF|LOG|EVD)-[A-Z0-9]+-(?:\d{2}[A-Z]?|\d{4}|[A-Z]{4})\b")


def _strings(tree: ast.AST) -> list[str]:
    """The string constants of a module, docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docstrings.add(id(first.value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def _named_in_code() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "rules":
            continue
        for text in _strings(ast.parse(path.read_text("utf-8"))):
            found |= set(RULE_ID.findall(text))
    return found


def test_every_rule_the_code_names_is_declared():
    undeclared = sorted(_named_in_code() - set(ALL_RULES))
    assert undeclared == []


def test_every_declared_rule_is_evaluated_by_the_code():
    never = sorted(set(ALL_RULES) - _named_in_code())
    assert never == []


def test_the_reading_finds_rule_ids_in_code_but_not_in_comments_or_docstrings():
    source = (
        'def f():\n    """CLM-AAA-01."""\n    # CLM-BBB-01\n    return "CLM-MOD-7677 or LOG-R-07"\n'
    )
    found = {i for t in _strings(ast.parse(source)) for i in RULE_ID.findall(t)}
    assert found == {"CLM-MOD-7677", "LOG-R-07"}


def test_every_planted_demo_defect_has_a_declared_rule():
    from audit_lib import generate_demo_access, generate_demo_claims
    from audit_lib.refunds.demo import generate_demo_overpayments

    claims = generate_demo_claims(period="2026Q3", seed=20260930)
    refunds = generate_demo_overpayments(claims, seed=20260930)
    access = generate_demo_access(period="2026Q3", seed=20260930)
    assert set(claims.truth["rule_id"]) <= set(CLAIMS_RULES)
    assert set(refunds.truth["rule_id"]) <= set(REFUNDS_RULES)
    assert set(access.truth["rule_id"]) | set(access.integrity_truth["rule_id"]) <= set(
        ACCESS_RULES
    )


@pytest.mark.parametrize("rule", list(ALL_RULES.values()), ids=list(ALL_RULES))
def test_each_rule_is_complete(rule):
    assert rule.title and rule.definition and rule.source and rule.section
    assert rule.severity in ("error", "warning")
    assert rule.severity_institutional in (None, "error", "warning")
    assert rule.amount in (None, "billed", "excess")
    assert rule.dataset in ("CLAIMS", "REMIT", "REFUNDS", "ACCESS_LOG") or "CLAIMS" in rule.dataset
    assert rule.confidence in ("", "C", "K", "U")
    # outputs cite the rule and its source, never a file a package user does not have
    assert "DATA_CONTRACT.md" not in rule.source and "RULEBOOK" not in rule.source


def test_the_rules_page_is_generated_from_the_data():
    page = ROOT / "docs" / "RULES.md"
    assert page.read_text("utf-8") == rules_markdown(), (
        "docs/RULES.md is out of date: run python tools/build_rulebook.py --docs"
    )
    for rule_id in ALL_RULES:
        assert f"### {rule_id}: " in page.read_text("utf-8")


def test_the_inputs_page_is_generated_from_the_schemas():
    from audit_lib.runs.docs import inputs_markdown

    page = (ROOT / "docs" / "INPUTS.md").read_text("utf-8")
    assert page == inputs_markdown(), "run python tools/build_rulebook.py --docs"
    assert "| `patient_id` | text | yes | yes |" in page  # required and protected


def test_the_readme_rule_list_is_generated_from_the_data():
    text = (ROOT / "README.md").read_text("utf-8")
    begin, end = "<!-- rules: begin -->\n", "<!-- rules: end -->"
    listed = text[text.index(begin) + len(begin) : text.index(end)]
    assert listed == readme_rule_list(), "run python tools/build_rulebook.py --docs"


def test_the_workpaper_rules_sheet_carries_definitions(demo_review):
    from audit_lib.reporting.tables import rules_table

    table = rules_table(demo_review)
    assert list(table["rule_id"]) == list(CLAIMS_RULES)
    npi = table.set_index("rule_id").loc["CLM-NPI-02"]
    assert "80840" in npi["definition"]
