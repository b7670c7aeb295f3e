"""A deterministic synthetic quarter of EHR access events with planted snooping, and the truth.

One seeded NumPy generator, vectorised, so the same call gives the same tables on any machine
and the same code makes the 60,000-event demo and the 10,000,000-event benchmark.

Background activity is clean by construction: clinicians open only patients with an encounter
in their department on that day, day-shift staff work 07:00-19:00 local on weekdays that are
not federal holidays, night-shift staff 19:00-07:00, HIM/billing/quality staff browse any
patient on weekdays, nobody opens their own record, deceased patients' records are opened
after death only by HIM, terminated users stop at their termination date, a user sees at
most 12 distinct patients a day, and each account works from its own workstation and address
in its department's network. Snooping scenarios are then planted with the rules they must
raise (``truth``: rule_id, user_id, patient_id), next to look-alikes that must raise nothing:
a clinician treating a relative, a night-shift worker at 02:00, a terminated night-shift user's
last event at 23:59:59 on the termination date, a HIM coder opening a deceased patient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import parse_period
from ..holidays import federal_holidays
from .demo_plants import (
    CLINICAL,
    CLINICAL_ROLES,
    SUPPORT,
    addresses,
    names,
    plant_integrity,
    plant_scenarios,
)

__all__ = ["AccessDemo", "generate_demo_access", "write_demo_access"]

TZ = "America/New_York"


@dataclass
class AccessDemo:
    access_log: pd.DataFrame
    workforce: pd.DataFrame
    patients: pd.DataFrame
    encounters: pd.DataFrame
    truth: pd.DataFrame  # rule_id, user_id, patient_id (None for user-level rules), scenario
    integrity_truth: pd.DataFrame  # rule_id, event_id, field
    period: str
    seed: int


def generate_demo_access(
    period: str = "2026Q3",
    seed: int = 20260930,
    *,
    n_users: int = 240,
    n_patients: int = 6000,
    n_encounters: int = 12000,
    n_events: int = 60000,
    plant: bool = True,
) -> AccessDemo:
    """The synthetic quarter; ``plant=False`` gives the clean background only."""
    rng = np.random.default_rng(seed)
    start, end = parse_period(period)
    days = pd.date_range(start, end, freq="D")
    holidays = set(federal_holidays(start, end).date)

    # --- workforce ---------------------------------------------------------------------------
    n_support = max(6, n_users // 20)
    dept = np.concatenate(
        [rng.choice(CLINICAL, n_users - n_support), rng.choice(list(SUPPORT), n_support)]
    )
    role = np.where(
        np.isin(dept, CLINICAL),
        rng.choice(CLINICAL_ROLES, n_users),
        pd.Series(dept).map(SUPPORT).to_numpy(dtype=object),
    )
    shift = np.where(np.isin(dept, CLINICAL) & (rng.random(n_users) < 0.2), "night", "day")
    ulast, ufirst = names(rng, n_users)
    uaddr, uzip = addresses(rng, n_users)
    user_ids = np.array([f"U{10000 + i}" for i in range(n_users)])
    term = np.full(n_users, None, dtype=object)
    n_term = max(2, n_users // 60)
    term_idx = rng.choice(np.flatnonzero(shift == "day"), n_term, replace=False)
    for i in term_idx:
        term[i] = start + dt.timedelta(days=int(rng.integers(20, 70)))
    workforce = pd.DataFrame(
        {
            "user_id": user_ids,
            "last_name": ulast,
            "first_name": ufirst,
            "department": dept,
            "role": role,
            "hire_date": "2019-03-01",
            "termination_date": [t.isoformat() if t else "" for t in term],
            "address_line": uaddr,
            "postal_code": uzip,
            "patient_id": "",
            "account_type": "personal",
            "shift": shift,
        }
    )

    # --- patients and encounters -------------------------------------------------------------
    plast, pfirst = names(rng, n_patients)
    paddr, pzip = addresses(rng, n_patients)
    patient_ids = np.array([f"MRN{7000000 + i}" for i in range(n_patients)])
    dob = pd.to_datetime("1940-01-01") + pd.to_timedelta(rng.integers(0, 30000, n_patients), "D")
    patients = pd.DataFrame(
        {
            "patient_id": patient_ids,
            "last_name": plast,
            "first_name": pfirst,
            "dob": dob.strftime("%Y-%m-%d"),
            "sex": rng.choice(["F", "M"], n_patients),
            "address_line": paddr,
            "postal_code": pzip,
            "deceased_date": "",
            "vip": "false",
            "employee_user_id": "",
        }
    )
    enc_patient = rng.integers(0, n_patients, n_encounters)
    enc_dept = rng.choice(CLINICAL, n_encounters)
    enc_start = rng.integers(-20, len(days), n_encounters)
    enc_len = rng.integers(0, 6, n_encounters)
    enc_start_date = pd.Timestamp(start) + pd.to_timedelta(enc_start, "D")
    enc_end_date = enc_start_date + pd.to_timedelta(enc_len, "D")
    # deceased: 1% of patients die two days after their last encounter ends (within period)
    last_end = pd.Series(enc_end_date).groupby(enc_patient).max()
    dead = last_end.index[
        (rng.random(len(last_end)) < 0.01)
        & (last_end.to_numpy() + pd.Timedelta(days=2) <= pd.Timestamp(end))
    ]
    death = (last_end.loc[dead] + pd.Timedelta(days=2)).dt.strftime("%Y-%m-%d")
    patients.loc[dead, "deceased_date"] = death.to_numpy()
    # attending user for half the encounters: a user of that department
    clinical_users = pd.Series(np.arange(n_users))[np.isin(dept, CLINICAL)]
    by_dept = {d: clinical_users[dept[clinical_users] == d].to_numpy() for d in CLINICAL}
    attending = np.array(
        [
            user_ids[rng.choice(by_dept[d])] if (len(by_dept[d]) and rng.random() < 0.5) else ""
            for d in enc_dept
        ],
        dtype=object,
    )
    encounters = pd.DataFrame(
        {
            "encounter_id": [f"E{900000 + i}" for i in range(n_encounters)],
            "patient_id": patient_ids[enc_patient],
            "start_date": enc_start_date.strftime("%Y-%m-%d"),
            "end_date": enc_end_date.strftime("%Y-%m-%d"),
            "user_id": attending,
            "department": enc_dept,
        }
    )

    # --- background events -------------------------------------------------------------------
    # (department, day) -> patients with an encounter active that day
    active = pd.DataFrame(
        {
            "patient": np.repeat(enc_patient, enc_len + 1),
            "dept": np.repeat(enc_dept, enc_len + 1),
            "day": np.repeat(enc_start, enc_len + 1)
            + np.concatenate([np.arange(k + 1) for k in enc_len]),
        }
    )
    active = active[(active["day"] >= 0) & (active["day"] < len(days))]
    dead_set = set(dead)
    death_day = {p: (pd.Timestamp(death[p]) - pd.Timestamp(start)).days for p in dead}
    death_arr = np.array([death_day.get(p, 10**6) for p in active["patient"]])
    active = active[active["day"] <= death_arr - 1]  # nights may spill into the next day
    active = active.drop_duplicates().sort_values(["dept", "day", "patient"])
    grp = active.groupby(["dept", "day"]).size()
    offsets = grp.cumsum() - grp
    cand = active["patient"].to_numpy()

    weekday = np.array([(d.weekday() < 5) and (d.date() not in holidays) for d in days])
    is_support = ~np.isin(dept, CLINICAL)
    # user-workdays
    works = rng.random((n_users, len(days))) < 0.6
    works &= np.where((shift == "day")[:, None], weekday[None, :], True)
    works &= ~is_support[:, None] | weekday[None, :]
    for i in term_idx:
        works[i, (term[i] - start).days + 1 :] = False
    uidx, didx = np.nonzero(works)
    key = pd.MultiIndex.from_arrays([dept[uidx], didx])
    count = grp.reindex(key).fillna(0).to_numpy(dtype=int)
    off = offsets.reindex(key).fillna(0).to_numpy(dtype=int)
    clinical_day = ~is_support[uidx]
    keep = ~clinical_day | (count > 0)
    uidx, didx, count, off, clinical_day = (a[keep] for a in (uidx, didx, count, off, clinical_day))
    slots = rng.integers(3, 13, len(uidx))  # distinct patients a user may see that day
    per_day = rng.multinomial(n_events, np.full(len(uidx), 1 / len(uidx)))
    e_day = np.repeat(np.arange(len(uidx)), per_day)
    slot = (rng.random(len(e_day)) * slots[e_day]).astype(int)
    # slot -> patient: clinicians pick among that day's department patients, support anyone
    pick_seed = rng.integers(0, 2**31, len(uidx))
    h = (pick_seed[e_day] + slot * 7919) % np.maximum(count[e_day], 1)
    clin_patient = cand[np.minimum(off[e_day] + h, len(cand) - 1)]
    support_pool = np.setdiff1d(np.arange(n_patients), np.fromiter(dead_set, int, len(dead_set)))
    sup_patient = support_pool[(pick_seed[e_day] + slot * 104729) % len(support_pool)]
    e_patient = np.where(clinical_day[e_day], clin_patient, sup_patient)
    e_user = uidx[e_day]
    e_dayidx = didx[e_day]
    night = shift[e_user] == "night"
    secs = np.where(
        night,
        19 * 3600 + rng.integers(0, 12 * 3600, len(e_day)),
        7 * 3600 + rng.integers(0, 12 * 3600, len(e_day)),
    )
    # HIM may open deceased patients after death (a look-alike that must not fire)
    local = pd.Timestamp(start) + pd.to_timedelta(e_dayidx, "D") + pd.to_timedelta(secs, "s")
    log = pd.DataFrame(
        {
            "user": e_user,
            "patient": e_patient,
            "local": local,
            "action": rng.choice(
                ["view", "view", "view", "view", "modify", "print", "search"], len(e_day)
            ),
            "btg": rng.random(len(e_day)) < 0.002,
        }
    )
    log = log[log["local"] < pd.Timestamp(end) + pd.Timedelta(days=1)]  # last night ends at 0:00
    log = log.sort_values(["local", "user"], kind="stable").reset_index(drop=True)

    plants: list[dict] = []
    truth: list[tuple] = []
    if plant:
        workforce, patients, encounters = plant_scenarios(
            rng, start, workforce, patients, encounters, plants, truth, dead, death
        )
        # a user terminated by a scenario stops working that day, like the others
        tdates = pd.to_datetime(workforce["termination_date"].iloc[:n_users].replace("", None))
        limit = tdates.to_numpy()[log["user"].to_numpy()]
        log = log[pd.isna(limit) | (log["local"].dt.normalize().to_numpy() <= limit)]
    extra = pd.DataFrame(plants)
    events = pd.DataFrame(
        {
            "user_id": user_ids[log["user"].to_numpy()],
            "patient_id": patient_ids[log["patient"].to_numpy()],
            "local": log["local"],
            "action": log["action"],
            "break_the_glass": log["btg"],
            "btg_reason": np.where(log["btg"], "Emergency treatment", ""),
        }
    )
    if len(extra):
        events = pd.concat([events, extra], ignore_index=True)
        events = events.sort_values("local", kind="stable").reset_index(drop=True)
    # the repeated hour when daylight saving ends is read as standard time
    utc = events["local"].dt.tz_localize(
        TZ, ambiguous=np.zeros(len(events), dtype=bool), nonexistent="shift_forward"
    )
    n = len(events)
    if "ip_address" not in events:
        events["ip_address"] = pd.NA
    depts = {d: k + 1 for k, d in enumerate(sorted(workforce["department"].astype(str).unique()))}
    ids = workforce["user_id"].astype(str)
    home_ws = pd.Series([f"WS{1000 + k}" for k in range(len(ids))], index=ids.to_numpy())
    home_ip = pd.Series(
        [f"10.{depts[str(d)]}.{k // 250}.{k % 250 + 1}"
         for k, d in enumerate(workforce["department"])],
        index=ids.to_numpy(),
    )  # fmt: skip
    access_log = pd.DataFrame(
        {
            "event_id": [f"EV{i:09d}" for i in range(1, n + 1)],
            "event_time": utc.dt.tz_convert("UTC"),
            "user_id": events["user_id"],
            "patient_id": events["patient_id"],
            "action": events["action"],
            "department": workforce.set_index("user_id")["department"]
            .reindex(events["user_id"])
            .to_numpy(),
            # each account works from its own workstation, in its department's network
            "workstation_id": events["user_id"].map(home_ws).fillna("WS0999").to_numpy(),
            "ip_address": events["ip_address"]
            .fillna(events["user_id"].map(home_ip))
            .fillna("10.250.0.9")
            .to_numpy(),
            "application": "EHR",
            "break_the_glass": events["break_the_glass"].astype(bool),
            "btg_reason": events["btg_reason"].fillna(""),
        }
    )
    integrity = []
    if plant:
        access_log, integrity = plant_integrity(access_log, period)
    truth_df = pd.DataFrame(truth, columns=["rule_id", "user_id", "patient_id", "scenario"])
    return AccessDemo(
        access_log=access_log,
        workforce=workforce,
        patients=patients,
        encounters=encounters,
        truth=truth_df.drop_duplicates(["rule_id", "user_id", "patient_id"]).reset_index(drop=True),
        integrity_truth=pd.DataFrame(integrity, columns=["rule_id", "event_id", "field"]),
        period=period,
        seed=seed,
    )


def write_demo_access(demo: AccessDemo, folder, *, fmt: str = "csv") -> dict[str, str]:
    """The four tables (``fmt`` csv or parquet) plus truth.csv and integrity_truth.csv.
    Event times are written as ISO-8601 UTC with a ``Z``."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    log = demo.access_log.copy()
    if fmt == "csv":
        log["event_time"] = log["event_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, frame in (
        ("access_log", log),
        ("workforce", demo.workforce),
        ("patients", demo.patients),
        ("encounters", demo.encounters),
    ):
        p = out / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(p, index=False, lineterminator="\n")
        else:
            frame.to_parquet(p, index=False)
        paths[name] = str(p)
    demo.truth.to_csv(out / "truth.csv", index=False, lineterminator="\n")
    demo.integrity_truth.to_csv(out / "integrity_truth.csv", index=False, lineterminator="\n")
    return paths
