"""Issue 13: the output folder, error messages and the masking key under bad input.

Each test plants a protected value (or a file the suite did not write) and checks it
survives, or never appears, exactly as the issue's "What to build" says."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from audit_lib.errors import ConfigError, InputError, safe_error_text
from audit_lib.evidence.manifest import FAILED, _locked, check_out_dir, staged_run

PLANTED = ("M7000001", "1EG4TE5MK73", "1950-03-04", "Schmidt", "12 Elm Street")


def _sealed(folder, review="claims"):
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"review": review}))
    (folder / "manifest.sha256").write_text("0" * 64 + "  manifest.json\n")
    (folder / "findings.csv").write_text("rule_id\n")


def test_out_may_be_absent_empty_or_a_sealed_run_of_the_same_review(tmp_path):
    check_out_dir(tmp_path / "new", "claims", [])
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty", "claims", [])
    _sealed(tmp_path / "prev")
    check_out_dir(tmp_path / "prev", "claims", [])
    with pytest.raises(ConfigError, match="sealed run of another review"):
        check_out_dir(tmp_path / "prev", "access", [])


def test_out_holding_other_files_or_an_input_is_refused_and_left_alone(tmp_path):
    v = tmp_path / "v"
    v.mkdir()
    (v / "claims.csv").write_text("claim_id\nC1\n")
    (v / "notes.txt").write_text("x\n")
    with pytest.raises(ConfigError, match="never deletes what it did not write") as e:
        check_out_dir(v, "claims", [tmp_path / "elsewhere.csv"])
    assert "notes.txt" in str(e.value) and str(v) in str(e.value)
    with pytest.raises(ConfigError, match=r"holds the input claims\.csv"):
        check_out_dir(v, "claims", [v / "claims.csv"])
    with pytest.raises(ConfigError, match="holds the input"):
        check_out_dir(tmp_path, "claims", [v / "claims.csv"])  # --out . above the input
    assert sorted(p.name for p in v.iterdir()) == ["claims.csv", "notes.txt"]
    check_out_dir(v / "run", "claims", [v / "claims.csv"])  # output inside an input's folder


def test_a_sealed_run_is_kept_until_the_new_one_is_in_place(tmp_path):
    out = tmp_path / "run"
    _sealed(out)
    with pytest.raises(RuntimeError), staged_run(out) as stage:
        (stage / "findings.csv").write_text("new\n")
        raise RuntimeError("boom")
    assert (out / "findings.csv").read_text() == "rule_id\n"  # the old run survived
    with staged_run(out) as stage:
        (stage / "findings.csv").write_text("new\n")
    assert (out / "findings.csv").read_text() == "new\n"
    assert not (out / "manifest.json").exists()
    assert not [p for p in tmp_path.iterdir() if ".replaced-" in p.name]


def test_one_run_at_a_time_into_one_out_and_a_killed_runs_lock_is_taken_over(tmp_path):
    out = tmp_path / "run"
    lock = tmp_path / ".run.lock"
    with _locked(out):
        assert lock.read_text() == str(os.getpid())
        busy = f"another run \\(process {os.getpid()}\\)"
        with pytest.raises(ConfigError, match=busy), _locked(out):
            pass
    assert not lock.exists()
    lock.write_text("999999999")  # a process that no longer runs
    with _locked(out):
        assert lock.read_text() == str(os.getpid())


def test_run_failed_json_withholds_the_message_of_an_unexpected_error(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyError), staged_run(out) as stage:
        {}[f"patient {PLANTED[0]} born {PLANTED[2]}"]
    (partial,) = [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    text = (partial / FAILED).read_text()
    assert json.loads(text)["error"].startswith("KeyError in ")
    assert not any(v in text for v in PLANTED)
    assert stage == partial


def test_safe_error_text_shows_our_messages_and_withholds_others():
    ours = InputError("claims.csv row 7, column patient_dob: expected a date")
    assert safe_error_text(ours) == str(ours)
    try:
        int(f"{PLANTED[1]}")
    except ValueError as exc:
        text = safe_error_text(exc)
    assert text.startswith("ValueError in ") and "withheld" in text and PLANTED[1] not in text


def test_a_csv_row_with_an_extra_field_names_the_line_not_its_values(tmp_path):
    from audit_lib.tables import read_csv_arrow

    path = tmp_path / "patients.csv"
    path.write_text(
        "patient_id,last_name,dob,address\n"
        "P1,Lee,1960-01-01,1 Oak Road\n"
        f"{PLANTED[0]},{PLANTED[3]},{PLANTED[2]},{PLANTED[4]},extra\n"
    )
    with pytest.raises(InputError) as e:
        read_csv_arrow(path)
    message = str(e.value)
    assert "line 3 has 5 fields where the header has 4" in message
    assert not any(v in message for v in PLANTED)


def test_a_fhir_validation_error_names_the_element_not_its_value(tmp_path):
    from audit_lib.access.fhir import read_audit_events

    bad = {
        "resourceType": "AuditEvent",
        "id": "e1",
        "type": {"code": "rest"},
        "recorded": f"{PLANTED[2]}-not-a-time",
        "agent": [{"who": {"reference": f"Patient/{PLANTED[0]}"}, "requestor": "yes-please"}],
        "source": {"observer": {"display": PLANTED[3]}},
    }
    path = tmp_path / "events.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(InputError) as e:
        read_audit_events([path])
    message = str(e.value)
    assert "is not a valid FHIR AuditEvent" in message
    assert not any(v in message for v in PLANTED)


@pytest.mark.parametrize("value", ["", "   ", "short-key", "x" * 31])
def test_an_empty_or_short_key_is_refused(monkeypatch, value):
    from audit_lib import phi

    monkeypatch.setenv("AUDIT_PHI_KEY", value)
    with pytest.raises(ConfigError, match="at least 32"):
        phi.load_key()


def test_a_key_file_others_can_read_is_refused_and_a_new_one_is_private_and_random(
    monkeypatch, tmp_path
):
    from audit_lib import phi

    monkeypatch.delenv("AUDIT_PHI_KEY")
    path = tmp_path / "keys" / "phi.key"
    monkeypatch.setenv("AUDIT_PHI_KEY_FILE", str(path))
    key = phi.load_key()
    assert len(key) == 64 and int(key, 16) >= 0  # 32 random bytes, hex
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert phi.load_key() == key
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        phi.load_key()
    path.chmod(0o600)
    path.write_text(" \n")
    with pytest.raises(ConfigError, match="holds 0 bytes"):
        phi.load_key()



# ---- packages (issue 13 item 7) -----------------------------------------------------------


def _zip_with(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    import warnings
    import zipfile

    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # "Duplicate name" is the point of one test
        for name, data in entries:
            z.writestr(name, data)
    return path


def test_a_package_with_a_doubled_entry_is_refused_before_anything_is_read(tmp_path):
    from audit_lib.evidence.verify import verify

    bad = _zip_with(
        tmp_path / "p.zip",
        [("run/findings.csv", b"forged\n"), ("run/findings.csv", b"real\n")],
    )
    report = verify(bad)
    assert not report.intact
    assert report.lines[0].startswith("REFUSED") and "run/findings.csv 2 times" in report.lines[0]


def test_a_package_entry_marked_encrypted_is_refused_not_a_crash(tmp_path):
    """Found by the fuzz suite: a flipped bit in the central directory marks an entry
    encrypted, and reading it raised RuntimeError. The suite never encrypts a package."""
    from audit_lib.evidence.scan import scan
    from audit_lib.evidence.verify import verify

    path = _zip_with(tmp_path / "p.zip", [("run/chain.json", b"{}"), ("run/a.csv", b"x\n")])
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")  # the last central-directory entry: run/a.csv
    data[central + 8] |= 0x1  # its general-purpose flag: encrypted
    path.write_bytes(bytes(data))
    report = verify(path)
    assert not report.intact and "run/a.csv is marked encrypted" in report.lines[0]
    inputs = tmp_path / "claims.csv"
    inputs.write_text("patient_id\nP1\n")
    with pytest.raises(InputError, match="marked encrypted"):
        scan(path, [inputs])


def test_a_zip_bomb_is_refused_within_a_second_and_100_mb(tmp_path):
    import time
    import tracemalloc
    import zipfile

    from audit_lib.evidence.scan import scan
    from audit_lib.evidence.verify import verify

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z, z.open("run/x.csv", "w") as fh:
        chunk = b"\0" * (1 << 20)
        for _ in range(300):  # 300 MiB of zeros, about 300 KB compressed
            fh.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    tracemalloc.start()
    started = time.monotonic()
    report = verify(bomb)
    took = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not report.intact and "zip bomb" in report.lines[0]
    assert took < 1.0 and peak < 100 * 2**20
    inputs = tmp_path / "claims.csv"
    inputs.write_text("patient_id\nP1\n")
    with pytest.raises(InputError, match="zip bomb"):
        scan(bomb, [inputs])


def test_a_package_written_over_a_good_one_that_fails_leaves_the_good_one(tmp_path, monkeypatch):
    import zipfile

    from audit_lib.atomic import replacing

    good = _zip_with(tmp_path / "p.zip", [("a", b"good")])
    before = good.read_bytes()
    full = r"cannot write .*p\.zip: No space left"  # an InputError: exit 2
    with pytest.raises(InputError, match=full), replacing(good) as tmp:
        tmp.write_bytes(b"half a zip")
        raise OSError(28, "No space left on device")
    assert good.read_bytes() == before and zipfile.is_zipfile(good)
    assert [p.name for p in tmp_path.iterdir()] == ["p.zip"]  # no temporary file left
    monkeypatch.setattr(os, "replace", _raise(PermissionError(13, "Permission denied")))
    with pytest.raises(InputError, match="Permission denied"), replacing(good) as tmp:
        tmp.write_bytes(b"new")
    assert good.read_bytes() == before


def _raise(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


# ---- crash-free on ordinary bad data (issue 13 item 6) ------------------------------------


def test_refunds_with_no_identified_dates_are_findings_and_a_chart_not_a_crash(tmp_path):
    from audit_lib import load_config, run_refunds_review
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.refunds.demo import generate_demo_overpayments
    from audit_lib.reporting import refunds_report

    log = generate_demo_overpayments(generate_demo_claims(), seed=20260930).overpayments
    log["identified_date"] = ""
    path = tmp_path / "overpayments.csv"
    log.to_csv(path, index=False)
    review = run_refunds_review(path, config=load_config(period="2026Q3"), out_dir=None)
    missing = review.findings[review.findings["field"] == "identified_date"]
    assert set(missing["rule_id"]) == {"REF-REQ-01"} and len(missing) == len(log)
    assert review.kpis["median_days_to_return"] is None
    fig = refunds_report.days_to_return_chart(review)
    assert fig.axes[0].texts[0].get_text() == "no overpayment with both dates"


def test_a_certification_table_without_a_column_names_every_missing_one(tmp_path):
    from audit_lib.errors import MissingColumnsError
    from audit_lib.refunds.certification import certification_findings

    cert = tmp_path / "cert.csv"
    cert.write_text("provider_ptan,quarter,submitted_date\nPTAN0042,2026Q3,2026-10-28\n")
    with pytest.raises(MissingColumnsError, match="'certified_by', 'signer_title', 'signed_date'"):
        certification_findings(cert, quarter="2026Q3", ptans=["PTAN0042"])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("timely_filing_days = 90", "timely_filing_days must be a table of days by payer type"),
        ('amount_tolerance = "x"', "amount_tolerance must be a number"),
        ("ptp_files = 3", "ptp_files must be a list"),
        ("demo_claims = 2.5", "demo_claims must be a whole number"),
        ('[access]\nbulk_floor = "x"', r"\[access\] bulk_floor must be a whole number"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_config_error_naming_the_key(tmp_path, toml, message):
    from audit_lib import load_config

    path = tmp_path / "audit.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_as_of_before_the_period_is_a_usage_error_and_after_it_is_not():
    from audit_lib import load_config

    with pytest.raises(ConfigError, match=r"before the period 2026Q3 begins \(2026-07-01\)"):
        load_config(period="2026Q3", as_of="2026-01-15")
    assert load_config(period="2026Q3", as_of="2026-12-31").as_of.isoformat() == "2026-12-31"
    assert load_config(period="2026Q3", as_of="2026-07-01").period == "2026Q3"


# ---- scan-phi (issue 13 item 8) -----------------------------------------------------------


def test_scan_phi_finds_ssns_phones_emails_mrns_and_labelled_births(tmp_path):
    from audit_lib.evidence.scan import scan

    inputs = tmp_path / "claims.csv"
    inputs.write_text(
        "patient_id,mrn,patient_dob,patient_death_date,service_date\n"
        "ZQPAT0001,MRN778812,2026-08-03,2026-09-30,2026-08-03\n"
    )
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(
        json.dumps({"period": {"start": "2026-07-01", "end": "2026-09-30", "as_of": "2026-09-30"}})
    )
    (run / "findings.csv").write_text(  # a service date and the quarter end: shown by design
        "rule_id,detail\nCLM-DT-01,service 2026-08-03; period ends 2026-09-30\n"
    )
    assert scan(run, [inputs]) == []
    (run / "leak.txt").write_text(
        "call (555) 867-5309 or 555-867-5309, write pat.smith@example.org, "
        "SSN 219-09-9999, chart MRN778812\n"
    )
    (run / "extract.csv").write_text("token,patient_dob\nPT-1,2026-08-03\n")  # labelled DOB
    kinds = sorted((h.file.rsplit("/", 1)[-1], h.kind) for h in scan(run, [inputs]))
    assert kinds == [
        ("extract.csv", "patient_dob"),
        ("leak.txt", "email"),
        ("leak.txt", "mrn"),
        ("leak.txt", "phone"),
        ("leak.txt", "phone"),
        ("leak.txt", "ssn"),
    ]
    assert all("867-5309" not in h.token and "@" not in h.token for h in scan(run, [inputs]))


# ---- messages that said the wrong thing (issue 13 item 8) ---------------------------------


def test_a_semicolon_file_is_named_for_its_delimiter_not_for_missing_columns(tmp_path):
    from audit_lib.claims.schema import CLAIMS_SCHEMA
    from audit_lib.tables import load_table

    path = tmp_path / "claims.csv"
    path.write_text("claim_id;line_number;patient_id\nC1;1;P\n")
    with pytest.raises(InputError, match="header is semicolon-delimited, not comma-separated"):
        load_table(path, CLAIMS_SCHEMA)


def test_a_password_protected_workbook_is_named_as_such(tmp_path):
    from audit_lib.claims.schema import CLAIMS_SCHEMA
    from audit_lib.tables import load_table

    path = tmp_path / "claims.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)  # an OLE2 container
    with pytest.raises(InputError, match="password-protected"):
        load_table(path, CLAIMS_SCHEMA)


def test_a_bad_ndjson_line_is_named_by_its_own_line_number(tmp_path):
    from audit_lib.access.fhir import read_audit_events

    path = tmp_path / "events.ndjson"
    path.write_text('{"resourceType": "AuditEvent"}\n\n{"resourceType": "AuditEvent"}\n{oops\n')
    with pytest.raises(InputError, match="at line 4, column 2") as e:
        read_audit_events([path])
    assert e.value.row == 4


def test_scan_phi_counts_a_bare_date_as_a_coincidence_and_a_labelled_one_as_a_hit(tmp_path):
    from audit_lib.evidence.scan import scan

    inputs = tmp_path / "claims.csv"
    inputs.write_text("patient_id,patient_death_date,service_date\nZQPAT0001,2026-06-26,2026-08-03\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.csv").write_text(  # a computed deadline on the patient's date of death
        "rule_id,detail\nCLM-TF-01,submitted 2026-07-11 after the deadline 2026-06-26\n"
    )
    seen: list = []
    assert scan(run, [inputs], None, seen) == []
    assert [(h.kind, h.file.rsplit("/", 1)[-1]) for h in seen] == [
        ("patient_death_date", "findings.csv")
    ]
    (run / "note.txt").write_text("the patient died 2026-06-26\n")
    hits = [(h.kind, h.file.rsplit("/", 1)[-1]) for h in scan(run, [inputs])]
    assert hits == [("patient_death_date", "note.txt")]
