"""CMS edit tables (NCCI PTP, MUE): loading in CMS layouts, each rule breaking and passing,
and the demo quarter against a brute-force oracle computed here."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from audit_lib.claims.edits import NCCI_MODIFIERS, edit_findings
from audit_lib.codesets.edits import DEMO_MUE, DEMO_PTP, load_edit_tables, load_ptp
from audit_lib.errors import InputError

TABLES = load_edit_tables([DEMO_PTP], [DEMO_MUE])


def lines(*rows) -> pd.DataFrame:
    """(claim, patient, npi, date, code, units, modifiers...) per line."""
    out = []
    for i, (claim, patient, npi, date, code, units, *mods) in enumerate(rows):
        out.append(
            {
                "_row": i + 2,
                "record_key": f"{claim}:{i + 1}",
                "claim_id": claim,
                "line_number": i + 1,
                "submission_date": pd.Timestamp("2026-07-15"),
                "patient_id": patient,
                "rendering_npi": npi,
                "billing_npi": "1999999999",
                "service_date": pd.Timestamp(date),
                "procedure_code": code,
                "units": float(units),
                "billed_amount": 100.0,
                "claim_type": "professional",
                **{f"modifier_{k + 1}": m for k, m in enumerate(mods)},
            }
        )
    return pd.DataFrame(out)


def rules(found: pd.DataFrame) -> list[tuple[str, int]]:
    return [] if found.empty else sorted(zip(found["rule_id"], found["row"], strict=True))


def test_demo_tables_load_in_the_cms_layouts():
    assert len(TABLES.ptp) == 6 and set(TABLES.ptp["indicator"]) == {0, 1}
    assert TABLES.ptp["deletion"].notna().sum() == 1
    assert TABLES.mue.set_index("code")["mai"].to_dict() == {
        "97110": 3, "J1100": 1, "J3301": 2, "36415": 2, "20610": 1,
    }  # fmt: skip
    assert {f["kind"] for f in TABLES.files} == {"ptp", "mue"}


def test_ncci_indicator_0_is_never_bypassed():
    f = edit_findings(lines(("C1", "P1", "1", "2026-07-01", "93000", 1),
                            ("C1", "P1", "1", "2026-07-01", "99000", 1, "59")), TABLES)  # fmt: skip
    # on the column 2 line; its 59 bypasses nothing (no indicator-1 pair): also CLM-MOD-59X
    assert rules(f) == [("CLM-MOD-59X", 3), ("CLM-NCCI-01", 3)]
    assert "modifier indicator 0" in f.set_index("rule_id").at["CLM-NCCI-01", "detail"]


def test_ncci_indicator_1_is_bypassed_by_an_associated_modifier_on_either_line():
    base = [
        ("C1", "P1", "1", "2026-07-01", "80053", 1),
        ("C1", "P1", "1", "2026-07-01", "85025", 1),
    ]
    assert rules(edit_findings(lines(*base), TABLES)) == [("CLM-NCCI-01", 3)]
    on_col2 = [base[0], (*base[1], "XS")]
    on_col1 = [(*base[0], "59"), base[1]]
    assert edit_findings(lines(*on_col2), TABLES).empty
    assert edit_findings(lines(*on_col1), TABLES).empty
    not_ncci = [base[0], (*base[1], "GT")]  # a modifier, but not an NCCI-associated one
    assert rules(edit_findings(lines(*not_ncci), TABLES)) == [("CLM-NCCI-01", 3)]


def test_ncci_applies_across_claims_but_not_across_providers_or_days():
    across = lines(("C1", "P1", "1", "2026-07-01", "80053", 1),
                   ("C2", "P1", "1", "2026-07-01", "85025", 1))  # fmt: skip
    assert rules(edit_findings(across, TABLES)) == [("CLM-NCCI-01", 3)]
    other_npi = lines(("C1", "P1", "1", "2026-07-01", "80053", 1),
                      ("C2", "P1", "2", "2026-07-01", "85025", 1))  # fmt: skip
    other_day = lines(("C1", "P1", "1", "2026-07-01", "80053", 1),
                      ("C2", "P1", "1", "2026-07-02", "85025", 1))  # fmt: skip
    assert edit_findings(other_npi, TABLES).empty and edit_findings(other_day, TABLES).empty


def test_ncci_edit_must_be_active_on_the_date_of_service():
    deleted = lines(("C1", "P1", "1", "2026-07-01", "99203", 1),
                    ("C1", "P1", "1", "2026-07-01", "99213", 1))  # fmt: skip
    assert edit_findings(deleted, TABLES).empty  # deleted 2016-01-01
    before = lines(("C1", "P1", "1", "2015-12-31", "99203", 1),
                   ("C1", "P1", "1", "2015-12-31", "99213", 1))  # fmt: skip
    assert rules(edit_findings(before, TABLES)) == [("CLM-NCCI-01", 3)]
    future = lines(("C1", "P1", "1", "2026-07-01", "71046", 1),
                   ("C1", "P1", "1", "2026-07-01", "93000", 1))  # fmt: skip
    assert edit_findings(future, TABLES).empty  # effective 2030


def test_mue_line_edit():
    assert rules(edit_findings(lines(("C1", "P1", "1", "2026-07-01", "J1100", 9)), TABLES)) == [
        ("CLM-MUE-01", 2)
    ]
    assert edit_findings(lines(("C1", "P1", "1", "2026-07-01", "J1100", 8)), TABLES).empty
    # MAI 1 is per line: two lines of 8 pass
    two = lines(
        ("C1", "P1", "1", "2026-07-01", "J1100", 8), ("C1", "P1", "1", "2026-07-01", "J1100", 8)
    )
    assert edit_findings(two, TABLES).empty


def test_mue_date_of_service_edits_sum_units_across_lines_and_claims():
    policy = lines(
        ("C1", "P1", "1", "2026-07-01", "J3301", 4), ("C2", "P1", "1", "2026-07-01", "J3301", 3)
    )
    f = edit_findings(policy, TABLES)
    assert rules(f) == [("CLM-MUE-02", 2)] and f["severity"].iloc[0] == "error"
    assert "7 units" in f["detail"].iloc[0] and "2 line(s)" in f["detail"].iloc[0]
    clinical = lines(
        ("C1", "P1", "1", "2026-07-01", "97110", 3), ("C1", "P1", "1", "2026-07-01", "97110", 2)
    )
    f = edit_findings(clinical, TABLES)
    assert rules(f) == [("CLM-MUE-03", 2)] and f["severity"].iloc[0] == "warning"
    split = lines(
        ("C1", "P1", "1", "2026-07-01", "J3301", 4), ("C2", "P2", "1", "2026-07-01", "J3301", 3)
    )
    assert edit_findings(split, TABLES).empty  # two patients


def test_no_tables_means_not_evaluated():
    empty = load_edit_tables([], [])
    assert (
        empty.empty
        and edit_findings(lines(("C1", "P1", "1", "2026-07-01", "J1100", 99)), empty).empty
    )


def test_ptp_header_is_found_under_a_preamble_and_in_excel(tmp_path):
    rows = [
        ["CPT codes, descriptions and other data only are copyright AMA.", "", "", "", "", "", ""],
        [""] * 7,
        ["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date",
         "Deletion Date *=no data", "Modifier 0=not allowed 1=allowed 9=not applicable",
         "PTP Edit Rationale"],
        ["11042", "97597", "", "20110101", "*", "1", "Misuse of column two code"],
    ]  # fmt: skip
    xlsx = tmp_path / "ccipra-v321r0-f1.xlsx"
    pd.DataFrame(rows).to_excel(xlsx, header=False, index=False)
    t = load_ptp(xlsx)
    assert t[["col1", "col2"]].values.tolist() == [["11042", "97597"]]
    assert pd.isna(t["deletion"].iloc[0]) and t["claim_type"].iloc[0] == "professional"
    hosp = tmp_path / "ccioph-v321r0-f1.txt"
    hosp.write_text("\n".join("\t".join(r) for r in rows))
    assert load_ptp(hosp)["claim_type"].iloc[0] == "institutional"
    bad = tmp_path / "x.txt"
    bad.write_text("code\tvalue\n1\t2\n")
    with pytest.raises(InputError, match="no header row"):
        load_ptp(bad)


def test_demo_quarter_against_a_brute_force_oracle():
    from audit_lib import load_config
    from audit_lib.claims.pipeline import load_claims, prepare_batches

    config = load_config(period="2026Q3")
    loaded = load_claims(None, config=config)
    cl, *_ = prepare_batches(loaded, config)
    found = edit_findings(cl, TABLES)
    found = found[found["rule_id"] != "CLM-MOD-59X"]  # tested on its own below
    got = set(zip(found["rule_id"], found["row"], strict=True))

    ptp = TABLES.ptp
    mue = TABLES.mue.set_index("code")
    expected = set()
    cl = cl.dropna(subset=["patient_id", "service_date", "procedure_code"])
    prov = cl["rendering_npi"].fillna(cl["billing_npi"])
    mods = cl[[f"modifier_{i}" for i in range(1, 5)]].astype("string").fillna("")
    ncci = mods.isin(NCCI_MODIFIERS).any(axis=1)
    prof = cl["claim_type"].fillna("professional").eq("professional")  # the demo tables' scope
    rows = list(zip(cl["_row"], cl["patient_id"], prov, cl["service_date"], cl["procedure_code"],
                    ncci, cl["units"], prof, strict=True))  # fmt: skip
    groups: dict = {}
    for r in rows:
        groups.setdefault((r[1], r[2], r[3]), []).append(r)
    for members in groups.values():
        for a, b in itertools.permutations(members, 2):
            for e in ptp[(ptp["col1"] == a[4]) & (ptp["col2"] == b[4])].itertuples():
                active = e.effective <= b[3] and (pd.isna(e.deletion) or b[3] < e.deletion)
                bypassed = e.indicator == 1 and (a[5] or b[5])
                if b[7] and active and e.indicator in (0, 1) and not bypassed:
                    expected.add(("CLM-NCCI-01", b[0]))
        for code in {m[4] for m in members} & set(mue.index):
            same = [m for m in members if m[4] == code and m[7]]
            limit, mai = mue.at[code, "mue"], mue.at[code, "mai"]
            if mai == 1:
                expected |= {("CLM-MUE-01", m[0]) for m in same if m[6] > limit}
            elif same and sum(m[6] for m in same) > limit:
                expected.add((f"CLM-MUE-0{mai}", min(m[0] for m in same)))
    assert got == expected and len(got) > 50


def test_px02_hcpcs_dates_and_a_licensed_cpt_list(tmp_path):
    from audit_lib.claims.edits import px02_findings
    from audit_lib.codesets.hcpcs import load_code_dates

    hcpcs = tmp_path / "HCPC2026_JAN_ANWEB.csv"
    hcpcs.write_text(
        "HCPC,SEQNUM,RECID,LONG DESCRIPTION,ADD DT,ACT EFF DT,TERM DT\n"
        "J1100,00100,3,Injection dexamethasone,20000101,20000101,\n"
        "J1100,00200,4,sodium phosphate,,,\n"
        "G2211,00100,3,Visit complexity add-on,20210101,20240101,\n"
        "Q9999,00100,3,Retired code,20100101,20100101,20151231\n"
        "XE,00100,7,Separate encounter,20150101,20150101,\n"
    )
    cpt = tmp_path / "cpt.csv"
    cpt.write_text("code,add_date,term_date\n99213,19920101,\n93000,19920101,\n")
    h = load_code_dates(hcpcs, kind="hcpcs")
    assert h["code"].tolist() == ["J1100", "G2211", "Q9999"]  # modifiers and continuations out
    c = load_code_dates(cpt, kind="cpt")
    ls = lines(
        ("C1", "P1", "1", "2026-07-01", "J1100", 1),  # active
        ("C1", "P1", "1", "2020-07-01", "G2211", 1),  # before it was added
        ("C1", "P1", "1", "2026-07-01", "Q9999", 1),  # terminated
        ("C1", "P1", "1", "2026-07-01", "J9999", 1),  # not in the file
        ("C1", "P1", "1", "2026-07-01", "99213", 1),  # in the CPT list
        ("C1", "P1", "1", "2026-07-01", "99999", 1),  # not in it
    )
    f = px02_findings(ls, hcpcs=h, cpt=c)
    assert rules(f) == [("CLM-PX-02", r) for r in (3, 4, 5, 7)]
    assert "terminated 2015-12-31" in f.set_index("row").at[4, "detail"]
    assert px02_findings(ls, hcpcs=h, cpt=None)["row"].tolist() == [3, 4, 5]  # CPT unchecked
    assert px02_findings(ls, hcpcs=None, cpt=None).empty


def test_bypass_modifier_without_an_edit_to_bypass_is_mod_59x():
    pair = [
        ("C1", "P1", "1", "2026-07-01", "80053", 1),
        ("C1", "P1", "1", "2026-07-01", "85025", 1, "XS"),
    ]
    assert edit_findings(lines(*pair), TABLES).empty  # an indicator-1 pair: XS is needed
    alone = lines(("C1", "P1", "1", "2026-07-01", "93000", 1, "59"))
    f = edit_findings(alone, TABLES)
    assert rules(f) == [("CLM-MOD-59X", 2)] and f["severity"].iloc[0] == "warning"
    assert "no edit to bypass" in f["detail"].iloc[0]
    assert edit_findings(alone, load_edit_tables([], [])).empty  # needs the PTP table


# --- MPFS bilateral surgery indicator (CLM-MOD-50, CLM-MOD-LTRT) -----------------------------
from audit_lib.claims.modifier_rules import bilateral_findings  # noqa: E402
from audit_lib.codesets.mpfs import DEMO_MPFS, load_bilateral_indicators  # noqa: E402

MPFS, MPFS_INFO = load_bilateral_indicators(DEMO_MPFS)


def test_mpfs_demo_file_loads_in_the_cms_layout():
    ind = MPFS.set_index("code")["indicator"]
    # header over two rows (BILAT over SURG); the 26/TC rows do not override the code's row
    assert ind.to_dict()["20610"] == 1 and ind["73560"] == 3 and ind["69210"] == 2
    assert ind["71046"] == 0 and MPFS_INFO["rows"] == len(MPFS) == 21


def bilateral(*rows, payer="medicare"):
    frame = lines(*rows).assign(payer_type=payer)
    return bilateral_findings(frame, MPFS, ("medicare",))


@pytest.mark.parametrize(
    ("code", "expected"),
    [("71046", ("CLM-MOD-50", "error")), ("69210", ("CLM-MOD-50", "error")),
     ("36415", ("CLM-MOD-50", "error")), ("73560", ("CLM-MOD-50", "warning")), ("20610", None)],
)  # fmt: skip
def test_modifier_50_against_the_bilateral_indicator(code, expected):
    found, stats = bilateral(("C1", "P1", "1", "2026-07-01", code, 1, "50"))
    got = None if found.empty else tuple(found.iloc[0][["rule_id", "severity"]])
    assert got == expected and stats["evaluated"]
    if expected:
        assert "bilateral indicator" in found.iloc[0]["detail"]


def test_lt_and_rt_lines_of_an_indicator_1_code_want_one_line_with_50():
    pair = (("C1", "P1", "1", "2026-07-01", "20610", 1, "LT"),
            ("C1", "P1", "1", "2026-07-01", "20610", 1, "RT"))  # fmt: skip
    found, _ = bilateral(*pair)
    assert rules(found) == [("CLM-MOD-50", 3)]  # the second line only
    assert bilateral(*pair, payer="commercial")[0].empty  # not a payer that wants 50
    same_side = (pair[0], ("C1", "P1", "1", "2026-07-01", "20610", 1, "LT"))
    assert bilateral(*same_side)[0].empty
    other_day = (pair[0], ("C2", "P1", "1", "2026-07-02", "20610", 1, "RT"))
    assert bilateral(*other_day)[0].empty


def test_a_side_on_an_inherently_bilateral_code():
    found, _ = bilateral(("C1", "P1", "1", "2026-07-01", "69210", 1, "RT"))
    assert rules(found) == [("CLM-MOD-LTRT", 2)] and found.iloc[0]["severity"] == "warning"
    assert bilateral(("C1", "P1", "1", "2026-07-01", "20610", 1, "RT"))[0].empty


def test_without_the_mpfs_file_the_indicator_parts_are_not_evaluated():
    found, stats = bilateral_findings(lines(("C1", "P1", "1", "2026-07-01", "71046", 1, "50")),
                                      None)  # fmt: skip
    assert found.empty and stats["evaluated"] is False


def test_a_code_missing_from_the_file_is_counted_not_guessed():
    found, stats = bilateral(("C1", "P1", "1", "2026-07-01", "64999", 1, "50"))
    assert found.empty and stats["lines_with_50_not_in_file"] == 1


def test_mpfs_single_header_row_and_bad_files(tmp_path):
    plain = tmp_path / "rvu.csv"
    plain.write_text("HCPCS,MOD,BILAT SURG\n20610,,1\n20610,26,9\n", encoding="utf-8")
    assert load_bilateral_indicators(plain)[0].to_dict("records") == [
        {"code": "20610", "indicator": 1}
    ]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("HCPCS,MOD,WORK RVU\n20610,,1.2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no BILAT SURG column"):
        load_bilateral_indicators(wrong)
    with pytest.raises(InputError, match="no header row starting with HCPCS"):
        load_bilateral_indicators(DEMO_PTP)


def test_59_where_a_more_specific_x_modifier_applies():
    # 20610/97110 is an indicator-1 demo pair: 59 on the column 2 line bypasses it
    base = ("C1", "P1", "1", "2026-07-01", "20610", 1)
    sites = lines((*base, "RT"), ("C1", "P1", "1", "2026-07-01", "97110", 1, "59", "LT"))
    f = edit_findings(sites, TABLES)
    assert rules(f) == [("CLM-MOD-59X", 3)] and "XS (separate structure)" in f.iloc[0]["detail"]
    other_claim = lines(base, ("C2", "P1", "1", "2026-07-01", "97110", 1, "59"))
    f = edit_findings(other_claim, TABLES)
    assert rules(f) == [("CLM-MOD-59X", 3)] and "XE (separate encounter)" in f.iloc[0]["detail"]
    # the same claim and no sites to tell apart: 59 is the right modifier; XS is already specific
    assert edit_findings(lines(base, ("C1", "P1", "1", "2026-07-01", "97110", 1, "59")),
                         TABLES).empty  # fmt: skip
    assert edit_findings(lines((*base, "RT"), ("C1", "P1", "1", "2026-07-01", "97110", 1, "XS",
                                               "LT")), TABLES).empty  # fmt: skip


# --- CLM-MOD-25 aggregate: a provider's rate of 25 against the other providers -----------
from audit_lib.claims.modifier_rules import modifier_25_rates  # noqa: E402


def em_lines(npi: str, n: int, with_25: int):
    return [(f"C{npi}{i}", f"P{i}", npi, "2026-07-01", "99213", 1, "25" if i < with_25 else "")
            for i in range(n)]  # fmt: skip


def test_a_provider_far_above_its_peers_rate_of_25():
    rows = [*em_lines("1", 20, 4), *em_lines("2", 20, 5), *em_lines("3", 20, 3),
            *em_lines("4", 20, 6), *em_lines("9", 20, 16)]  # fmt: skip
    found, rates = modifier_25_rates(lines(*rows))
    assert rules(found) == [("CLM-MOD-25", 2 + 80)]  # provider 9's first line with 25
    assert (
        found.iloc[0]["severity"] == "warning"
        and "80.0% of its 20 E/M lines" in (found.iloc[0]["detail"])
    )
    r = rates.set_index("provider")
    # leave-one-out: provider 9 against 1-4 (shares .20 .25 .15 .30)
    assert r.at["9", "peer_mean"] == pytest.approx(0.225) and r.at["9", "outlier"]
    assert not r.drop(index="9")["outlier"].any()
    assert r.at["9", "p_value"] < 1e-6
    assert modifier_25_rates(lines(*rows), sd=20)[0].empty  # a wider band: nobody
    # 8 of 20 is above the peers' mean + 2 SD (.354) but happens by chance at their rate .225
    chance = [*rows[:80], *em_lines("9", 20, 8)]
    found, rates = modifier_25_rates(lines(*chance))
    r = rates.set_index("provider")
    assert found.empty and r.at["9", "share"] > r.at["9", "threshold"]
    assert 0.001 < r.at["9", "p_value"] < 0.2
    few = modifier_25_rates(lines(*rows), min_em_lines=21)  # nobody has enough lines
    assert few[0].empty and not few[1]["eligible"].any()


@pytest.mark.parametrize(
    ("header", "loader", "message"),
    [
        ("Column 1,Column 2,*,Effective Date,Deletion Date,Modifier", load_ptp, "no code pairs"),
        ("HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator",
         None, "no MUE values"),
        ("HCPCS,MOD,BILAT SURG", load_bilateral_indicators, "no codes with a bilateral"),
    ],
)  # fmt: skip
def test_a_header_only_edit_file_is_a_clear_error(tmp_path, header, loader, message):
    from audit_lib.codesets.edits import load_mue

    path = tmp_path / "table.csv"
    path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        (loader or load_mue)(path)
