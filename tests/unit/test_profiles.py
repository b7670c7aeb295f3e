"""Input profiles on the real CMS extracts (DE-SynPUF, RIF, CCLF) and an Epic access-log layout:
rows equal an independent count, values land in the right columns, what a layout lacks is
reported as not evaluated, and nothing is dropped. Dates in the formats real extracts use."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from audit_lib import load_config, run_claims_review
from audit_lib.errors import ConfigError, InputError, MissingColumnsError
from audit_lib.profiles import apply_profile, list_profiles, load_profile

T = Path(__file__).resolve().parents[1] / "fixtures" / "tables"
SYN = T / "ohdsi-etl-cms" / "python_etl" / "test_data" / "DE_0"
RIF = T / "cms-bfd-rif-samples"
CCLF = T / "tuva-cclf"


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _slots(rows, template: str, count: int) -> int:
    """Lines of a wide layout, counted by hand: a claim row's non-empty slots (at least 1)."""
    return sum(max(1, sum(bool(r[template.format(n=i)].strip()) for i in range(1, count + 1)))
               for r in rows)  # fmt: skip


CASES = {
    # profile: (files, independent line count)
    "synpuf-carrier": (
        [SYN / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv"],
        lambda: _slots(_rows(SYN / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv"),
                       "HCPCS_CD_{n}", 13),
    ),
    "synpuf-outpatient": (
        [SYN / "DE1_0_2008_to_2010_Outpatient_Claims_Sample_0.csv"],
        lambda: _slots(_rows(SYN / "DE1_0_2008_to_2010_Outpatient_Claims_Sample_0.csv"),
                       "HCPCS_CD_{n}", 45),
    ),
    "synpuf-inpatient": (
        [SYN / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv"],
        lambda: len(_rows(SYN / "DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv")),
    ),
    "rif-carrier": ([RIF / "sample-a-bcarrier-multiple-lines.txt"],
                    lambda: len(_rows(RIF / "sample-a-bcarrier-multiple-lines.txt", "|"))),
    "rif-dme": ([RIF / "sample-a-dme.txt"], lambda: len(_rows(RIF / "sample-a-dme.txt", "|"))),
    "rif-outpatient": ([RIF / "sample-a-outpatient.txt"],
                       lambda: len(_rows(RIF / "sample-a-outpatient.txt", "|"))),
    "rif-inpatient": ([RIF / "sample-a-inpatient.txt"],
                      lambda: len(_rows(RIF / "sample-a-inpatient.txt", "|"))),
    "cclf-partb": ([CCLF / "partb_physicians.csv"],
                   lambda: len(_rows(CCLF / "partb_physicians.csv"))),
    "cclf-parta": (
        [CCLF / "parta_claims_revenue_center_detail.csv", CCLF / "parta_claims_header.csv"],
        lambda: len(_rows(CCLF / "parta_claims_revenue_center_detail.csv")),
    ),
}  # fmt: skip


def test_other_cms_files_given_as_claims_are_refused_saying_why(tmp_path):
    from audit_lib.claims.load import load_claims

    for name in ("DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_0.csv",
                 "DE1_0_2010_Beneficiary_Summary_File_Sample_0.csv",
                 "DE1_0_2008_to_2010_Carrier_Claims_Sample_0A.csv"):  # fmt: skip
        with pytest.raises(MissingColumnsError) as err:
            load_claims(SYN / name, config=load_config(period="2026Q3"))
        assert "'claim_id'" in str(err.value) or "'line_number'" in str(err.value)
        assert "--profile" in str(err.value)


def test_every_claims_profile_is_shipped_and_tested():
    claims = {n for n in list_profiles() if load_profile(n).dataset == "claims"}
    assert claims == set(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_profile_reads_every_line_of_its_extract_and_leaks_nothing(name, tmp_path):
    from audit_lib.evidence.scan import scan

    files, count = CASES[name]
    frame, info = apply_profile(files, load_profile(name, "claims"))
    assert len(frame) == count() == info["rows"]
    source = files if len(files) > 1 else files[0]
    review = run_claims_review(source, config=load_config(input_profile=name), out_dir=tmp_path)
    assert scan(tmp_path, files) == []  # no raw patient id, date of birth or name of them
    counts = review.summary["counts"]["claims"]
    assert counts["rows_read"] == counts["rows_checked"] == count()
    profile = load_profile(name)
    skipped = {(s["rule_id"], s["field"]) for s in review.summary["not_evaluated"]}
    for column in profile.unavailable:  # a column the layout lacks: not evaluated, not failed
        if column in ("billing_npi", "billed_amount", "submission_date", "units", "procedure_code"):
            assert ("CLM-REQ-01", column) in skipped
            assert not ((review.findings["rule_id"] == "CLM-REQ-01")
                        & (review.findings["field"] == column)).any()  # fmt: skip
    assert review.summary["input_profile"]["name"] == name
    # findings point at the source file's rows (header = row 1)
    assert review.findings["row"].between(0, info["source_rows"] + 1).all()


def test_synpuf_carrier_values_land_in_their_columns():
    f, info = apply_profile([SYN / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv"],
                            load_profile("synpuf-carrier"))  # fmt: skip
    row = _rows(SYN / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv")[0]
    assert f["procedure_code"].tolist() == [row[f"HCPCS_CD_{i}"] for i in (1, 2, 3)]
    assert f["line_number"].tolist() == ["1", "2", "3"] and set(f["_source_row"]) == {2}
    assert f["paid_amount"].tolist() == [row[f"LINE_NCH_PMT_AMT_{i}"] for i in (1, 2, 3)]
    pr = [float(row[f"LINE_BENE_PTB_DDCTBL_AMT_{i}"]) + float(row[f"LINE_COINSRNC_AMT_{i}"])
          for i in (1, 2, 3)]  # fmt: skip
    assert f["patient_responsibility"].astype(float).tolist() == pr
    assert f["claim_status"].tolist() == ["paid"] * 3  # LINE_PRCSG_IND_CD A (allowed)
    assert f["diagnosis_1"].iloc[0] == row["ICD9_DGNS_CD_1"]
    assert info["unavailable"]["billed_amount"].startswith("DE-SynPUF carrier files carry no")


def test_a_claim_row_with_no_line_is_kept_and_reported(tmp_path):
    src = SYN / "DE1_0_2008_to_2010_Carrier_Claims_Sample_0A.csv"
    rows = _rows(src)
    rows[0]["HCPCS_CD_1"] = ""  # a claim whose slots are all empty
    out = tmp_path / "carrier.csv"
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    review = run_claims_review(out, config=load_config(input_profile="synpuf-carrier"))
    assert review.summary["input_profile"]["source_rows_without_a_line"] == 1
    f = review.findings
    req = f[(f["rule_id"] == "CLM-REQ-01") & (f["field"] == "procedure_code")]
    assert req["row"].tolist() == [2]  # the source row, not dropped


def test_rif_reads_pipes_trailing_delimiters_and_dd_mon_yyyy_dates():
    f, _ = apply_profile([RIF / "sample-a-outpatient.txt"], load_profile("rif-outpatient"))
    row = _rows(RIF / "sample-a-outpatient.txt", "|")[0]
    assert f["claim_id"].iloc[0] == row["CLM_ID"] and f["revenue_code"].iloc[0] == row["REV_CNTR"]
    tob = "0" + row["CLM_FAC_TYPE_CD"] + row["CLM_SRVC_CLSFCTN_TYPE_CD"] + row["CLM_FREQ_CD"]
    assert f["bill_type"].iloc[0] == tob
    dme = load_config(input_profile="rif-dme")
    review = run_claims_review(RIF / "sample-a-dme.txt", config=dme)
    assert review.lines["service_date"].iloc[0] == pd.Timestamp("2014-02-03")  # 03-FEB-2014


def test_cclf_placeholders_joins_and_adjustment_types():
    files = [CCLF / "parta_claims_revenue_center_detail.csv", CCLF / "parta_claims_header.csv"]
    f, info = apply_profile(files, load_profile("cclf-parta"))
    first = f[f["claim_id"] == "0000000001001"]
    assert set(first["billing_npi"]) == {"1999900016"}  # from the CCLF1 header
    assert set(first["diagnosis_1"]) == {"I5023"} and set(first["bill_type"]) == {"0111"}
    # 1000-01-01 is CCLF's "no date": the line falls back to the claim's from date
    assert set(first["service_date"]) == {"2025-03-03"}
    assert info["header_rows"] == 5
    b, _ = apply_profile([CCLF / "partb_physicians.csv"], load_profile("cclf-partb"))
    assert b["frequency_code"].tolist().count("1") == len(b)  # CLM_ADJSMT_TYPE_CD 0: original
    assert b["modifier_1"].isna().sum() >= 1  # "~" is no value


def test_profile_errors_name_what_is_wrong(tmp_path):
    with pytest.raises(ConfigError, match="no profile named 'synpuf-carier'"):
        load_profile("synpuf-carier")
    with pytest.raises(ConfigError, match="maps access_log files; this review reads claims"):
        load_profile("epic-access-log", "claims")
    with pytest.raises(InputError, match=r"not laid out as the synpuf-carrier profile .*HCPCS_CD"):
        apply_profile([RIF / "sample-a-dme.txt"], load_profile("synpuf-carrier"))
    with pytest.raises(InputError, match="reads two files"):
        apply_profile([CCLF / "parta_claims_revenue_center_detail.csv"], load_profile("cclf-parta"))


def test_a_mapping_file_of_ones_own(tmp_path, write_claims):
    from tests.conftest import make_claims

    src = make_claims({}, {}).rename(columns={"claim_id": "CLAIM NO", "payer_type": "PLAN"})
    src["PLAN"] = ["Medicare Part B", "BCBS Texas"]
    for col in ("service_date", "submission_date", "paid_date", "patient_dob"):  # US dates
        src[col] = pd.to_datetime(src[col]).dt.strftime("%m/%d/%Y")
    src["service_date"] = ["07/10/2026", "07/11/2026"]
    path = write_claims(src, "extract.csv")
    mapping = tmp_path / "mine.toml"
    columns = "\n".join(f'{c} = "{c}"' for c in src.columns if c not in ("CLAIM NO", "PLAN"))
    mapping.write_text(
        '[profile]\nname = "mine"\ndataset = "claims"\n\n[columns]\nclaim_id = "CLAIM NO"\n'
        f'payer_type = "PLAN"\n{columns}\n\n[patterns.payer_type]\n"medicare" = "medicare"\n'
        '"bcbs|aetna" = "commercial"\n'
    )
    cfg = load_config(input_profile=str(mapping), date_format="MM/DD/YYYY", period="2026Q3")
    review = run_claims_review(path, config=cfg)
    assert review.lines["payer_type"].tolist() == ["medicare", "commercial"]
    assert review.lines["service_date"].dt.day.tolist() == [10, 11]
    assert not (review.findings["rule_id"] == "CLM-PARSE-01").any()


# --- dates ---------------------------------------------------------------------------------
def test_a_required_date_column_in_another_format_stops_the_run(write_claims):
    from tests.conftest import make_claims

    frame = make_claims({}, {}, {})
    for col in ("submission_date", "paid_date", "patient_dob"):
        frame[col] = frame[col].str.replace("-", "")  # the X12 and CMS way
    frame["service_date"] = ["20260710", "20260711", "20260712"]
    path = write_claims(frame)
    with pytest.raises(InputError) as err:
        run_claims_review(path, config=load_config(period="2026Q3"))
    e = err.value
    assert (e.column, e.row, e.exit_code) == ("service_date", 2, 2)
    assert "3 of 3 values are not a date YYYY-MM-DD" in str(e) and "look like YYYYMMDD" in str(e)
    review = run_claims_review(path, config=load_config(period="2026Q3", date_format="YYYYMMDD"))
    assert review.lines["service_date"].notna().all()


def test_a_few_bad_dates_are_findings_in_the_declared_format(write_claims):
    from tests.conftest import make_claims

    frame = make_claims({}, {}, {})
    frame["service_date"] = ["10-JUL-2026", "11-JUL-2026", "2026-07-12"]
    frame["submission_date"] = ["15-JUL-2026"] * 3
    frame["paid_date"] = ["01-AUG-2026"] * 3
    frame["patient_dob"] = ["04-MAR-1950"] * 3
    review = run_claims_review(write_claims(frame),
                               config=load_config(period="2026Q3", date_format="DD-MON-YYYY"))
    parse = review.findings[review.findings["rule_id"] == "CLM-PARSE-01"]
    assert parse["row"].tolist() == [4] and "a date DD-MON-YYYY" in parse["detail"].iloc[0]


# --- access logs ---------------------------------------------------------------------------
def test_epic_access_log_profile(tmp_path):
    from audit_lib import run_access_review
    from audit_lib.access.demo import generate_demo_access

    demo = generate_demo_access(period="2026Q3", seed=7)
    log = demo.access_log.head(300)
    metric = {"view": "PATIENT DEMOGRAPHICS FORM ACCESSED", "print": "A REPORT IS PRINTED",
              "modify": "PEND A NOTE", "search": "PATIENT LOOKUP SEARCH",
              "export": "CHART DOWNLOADED", "delete": "ORDER DELETED"}  # fmt: skip
    local = log["event_time"].dt.tz_convert("America/New_York").dt.strftime("%m/%d/%Y %H:%M:%S")
    epic = pd.DataFrame({
        "ACCESS_INSTANT": local,
        "PROCESS_ID": range(1000, 1000 + len(log)),
        "ACCESS_TIME": local,
        "METRIC_NAME": log["action"].map(metric),
        "USER_ID": log["user_id"], "PAT_ID": log["patient_id"],
        "WORKSTATION_ID": log["workstation_id"],
    })  # fmt: skip
    epic.loc[epic.index[0], "METRIC_NAME"] = "SOMETHING NEW HAPPENED"  # no pattern: reported
    src = tmp_path / "access_log.csv"
    epic.to_csv(src, index=False)
    import audit_lib.profiles

    shipped = Path(audit_lib.profiles.__file__).parent / "data" / "epic-access-log.toml"
    mapping = tmp_path / "site-epic.toml"  # the site's export writes US-style times
    mapping.write_text(shipped.read_text().replace(
        "[profile]\n", '[profile]\ntimestamp_format = "%m/%d/%Y %H:%M:%S"\n', 1
    ))  # fmt: skip
    review = run_access_review(
        src, workforce=demo.workforce, patients=demo.patients, encounters=demo.encounters,
        config=load_config(period="2026Q3", input_profile=str(mapping)),
    )  # fmt: skip
    assert review.summary["counts"]["access_log"]["rows_read"] == 300
    parse = review.findings[review.findings["rule_id"] == "LOG-PARSE-01"]
    assert parse["row"].tolist() == [2] and parse["field"].tolist() == ["action"]
    assert review.summary["input_profile"]["name"] == "epic-access-log"
