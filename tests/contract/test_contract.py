"""Contracts: public names, import weight, suites in step with the code, rules documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import audit_lib
from audit_lib.errors import SuiteOutOfDateError
from audit_lib.gx import claims_suite
from audit_lib.rules import CLAIMS_RULES

ROOT = Path(__file__).resolve().parents[2]


def test_public_names():
    assert len(set(audit_lib.__all__)) == len(audit_lib.__all__)
    assert {
        "run_claims_review",
        "load_config",
        "AuditConfig",
        "ClaimsReview",
        "InputError",
        "generate_demo_claims",
        "Masker",
        "CLAIMS_RULES",
    } <= set(audit_lib.__all__)
    for name in audit_lib.__all__:
        assert hasattr(audit_lib, name), name


def test_import_does_not_load_great_expectations():
    code = (
        "import audit_lib, sys; "
        "assert 'great_expectations' not in sys.modules; "
        "assert 'audit_lib.codesets.icd10cm' not in sys.modules; "
        "assert 'papermill' not in sys.modules; "
        "assert 'duckdb' not in sys.modules; "
        "assert 'fhir' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_committed_suite_matches_code():
    path = ROOT / "expectations" / "claims.json"
    if path.read_text() != claims_suite.suite_json():
        pytest.fail(
            "expectations/claims.json is out of date: run `audit suites build`", pytrace=False
        )


def test_committed_overpayments_suite_matches_code():
    from audit_lib.gx import engine
    from audit_lib.refunds.suite import REFUNDS_SUITE

    path = ROOT / "expectations" / "overpayments.json"
    if path.read_text() != engine.suite_json(REFUNDS_SUITE):
        pytest.fail(
            "expectations/overpayments.json is out of date: run `audit suites build`", pytrace=False
        )


def test_committed_access_suite_matches_code():
    from audit_lib.access.checks import ACCESS_SUITE
    from audit_lib.gx import engine

    path = ROOT / "expectations" / "access_log.json"
    if path.read_text() != engine.suite_json(ACCESS_SUITE):
        pytest.fail(
            "expectations/access_log.json is out of date: run `audit suites build`", pytrace=False
        )


def test_every_access_rule_is_evaluated_somewhere():
    from audit_lib.access.checks import access_checks
    from audit_lib.access.detect import EVENT_RULES, RULE_WEIGHTS
    from audit_lib.rules import ACCESS_RULES

    suite = {c.rule_id for c in access_checks()}
    sql = {r.rule_id for r in EVENT_RULES} | {"LOG-R-12", "LOG-R-16"}  # window queries
    assert suite | sql | {"LOG-PARSE-01"} == set(ACCESS_RULES)
    assert set(RULE_WEIGHTS) == {r for r in ACCESS_RULES if r.startswith("LOG-R-")}


def test_drift_is_detected(tmp_path):
    stale = tmp_path / "claims.json"
    stale.write_text(claims_suite.suite_json().replace("CLM-NPI-02", "CLM-NPI-99"))
    with pytest.raises(SuiteOutOfDateError, match="audit suites build"):
        claims_suite.check_claims_suite(stale)


def test_every_rule_has_a_check_and_is_in_the_rulebook_ids():
    # evaluated outside the GX suite: 835 balancing (audit_lib.x12.remit835), the CMS edit
    # tables (audit_lib.claims.edits) and the modifier/age group rules (claims.modifier_rules)
    others = {"CLM-PARSE-01", "EVD-POP-01", "CLM-AMT-03", "CLM-AMT-04", "CLM-AMT-08"}
    others |= {"CLM-NCCI-01"}
    others |= {"CLM-MUE-01", "CLM-MUE-02", "CLM-MUE-03", "CLM-DX-05", "CLM-PX-02"}
    others |= {"CLM-MOD-25", "CLM-MOD-59X", "CLM-MOD-7677", "CLM-MOD-50", "CLM-MOD-LTRT"}
    others |= {"CLM-DRG-01", "CLM-DRG-02", "CLM-DRG-05", "CLM-POA-04"}  # regrouping (claims.drg)
    others |= {"CLM-WIN-01", "CLM-2MN-01"}  # cross-claim stays (audit_lib.claims.hospital_stays)
    checked = {c.rule_id for c in claims_suite.claims_checks()} | others
    assert checked == set(CLAIMS_RULES)
    for rule_id in CLAIMS_RULES:
        assert re.fullmatch(r"(CLM|EVD)-([A-Z]+|2MN)-(\d{2}|59X|7677|LTRT)", rule_id)


def test_rules_come_from_the_rulebook():
    """Every rule but the input-contract ones (PARSE, REQ, KEY) carries the team rulebook's
    section and definition in the shipped data (audit_lib/rules/rulebook.toml), so this runs
    on every checkout; `tools/build_rulebook.py --check` compares the data with the prose
    RULEBOOK.md wherever that sits beside the checkout."""
    from audit_lib.rules import ALL_RULES

    contract = {"PARSE", "REQ", "KEY"}
    for rule in ALL_RULES.values():
        if rule.rule_id.split("-")[1] in contract:
            assert rule.section == "input contract", rule.rule_id
        else:
            assert re.fullmatch(r"\d+(\.\d+)*", rule.section), rule.rule_id
            assert len(rule.definition) > len(rule.title), rule.rule_id


def test_suite_has_one_expectation_per_check():
    """GX's add_expectation_configuration upserts by column and type; nothing may be lost."""
    doc = __import__("json").loads(claims_suite.suite_json())
    checks = [e["meta"]["check"] for e in doc["expectations"]]
    assert checks == [c.check for c in claims_suite.claims_checks()]
    assert {"service_not_future", "within_period"} <= set(checks)


def test_custom_expectations_are_in_the_suite():
    types = {e["type"] for e in __import__("json").loads(claims_suite.suite_json())["expectations"]}
    assert {
        "expect_column_values_to_have_valid_npi_check_digit",
        "expect_column_pair_values_to_be_billable_icd10_cm_codes_on_date",
        "expect_column_values_to_be_cpt_or_hcpcs_syntax",
    } <= types
