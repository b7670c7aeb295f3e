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
from ..holidays import federal_holidays, holidays_of_year

__all__ = ["AccessDemo", "generate_demo_access", "write_demo_access"]

CLINICAL = [
    "Emergency",
    "Cardiology",
    "Oncology",
    "Pediatrics",
    "Orthopedics",
    "Internal Medicine",
    "Surgery",
    "Radiology",
    "Labor and Delivery",
    "Behavioral Health",
]
SUPPORT = {"HIM": "him", "Patient Financial Services": "billing", "Quality": "quality"}
CLINICAL_ROLES = ["physician", "nurse", "nurse", "nurse", "technician", "medical_assistant"]
LAST = [
    "Abbott",
    "Baker",
    "Castillo",
    "Dawson",
    "Ellison",
    "Fletcher",
    "Garza",
    "Holloway",
    "Ingram",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreno",
    "Nakamura",
    "Okafor",
    "Pacheco",
    "Quinlan",
    "Rasmussen",
    "Sandoval",
    "Thibodeaux",
    "Underwood",
    "Valdez",
    "Whitaker",
    "Xiong",
    "Yamamoto",
    "Zielinski",
    "Albright",
    "Bergstrom",
    "Cardenas",
    "Delacroix",
    "Esposito",
    "Fairbanks",
    "Gallagher",
    "Hendricks",
    "Iverson",
    "Jablonski",
    "Kirkland",
    "Lombardi",
    "Mcallister",
    "Norquist",
    "Oyelaran",
    "Pettersen",
    "Quintero",
    "Rutherford",
    "Szymanski",
    "Tolliver",
    "Umberger",
    "Vanderberg",
    "Wojcik",
    "Yarborough",
]
FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Devon",
    "Emerson",
    "Finley",
    "Gray",
    "Harper",
    "Indigo",
    "Jordan",
    "Kendall",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Taylor",
    "Unity",
    "Vaughn",
    "Wren",
    "Xen",
    "Yael",
    "Zion",
]
STREETS = [
    "Maple",
    "Oak",
    "Cedar",
    "Birch",
    "Willow",
    "Aspen",
    "Spruce",
    "Juniper",
    "Magnolia",
    "Sycamore",
]
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


def _names(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.choice(LAST, n), rng.choice(FIRST, n)


def _addresses(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    numbers = rng.integers(10, 9999, n).astype(str)
    streets = rng.choice(STREETS, n)
    lines = np.char.add(np.char.add(numbers, " "), np.char.add(streets, " St"))
    zips = rng.integers(10000, 99999, n).astype(str)  # random 5-digit: collisions are rare
    return lines, zips


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
    ulast, ufirst = _names(rng, n_users)
    uaddr, uzip = _addresses(rng, n_users)
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
    plast, pfirst = _names(rng, n_patients)
    paddr, pzip = _addresses(rng, n_patients)
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
        workforce, patients, encounters = _plant(
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
        access_log, integrity = _plant_integrity(access_log, period)
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


def _weekday_at(start: dt.date, offset: int, hour: int, minute: int = 0) -> pd.Timestamp:
    """A weekday (not a federal holiday) on or after ``start + offset`` at hour:minute."""
    day = start + dt.timedelta(days=offset)
    while day.weekday() >= 5 or day in holidays_of_year(day.year):
        day += dt.timedelta(days=1)
    return pd.Timestamp(day) + pd.Timedelta(hours=hour, minutes=minute)


def _plant(rng, start, workforce, patients, encounters, plants, truth, dead, death):
    """The snooping scenarios and their look-alikes; returns the updated reference tables."""
    wf = workforce
    day_clin = wf.index[(wf["shift"] == "day") & (wf["role"].isin(CLINICAL_ROLES))]
    day_clin = [i for i in day_clin if not wf.at[i, "termination_date"]]
    pool = list(rng.permutation(day_clin))
    new_patients: list[dict] = []
    new_encounters: list[dict] = []

    def user():
        return int(pool.pop())

    def uid(i):
        return wf.at[i, "user_id"]

    def new_patient(last=None, addr=None, zip_=None, **kw):
        pid = f"MRN{8000000 + len(new_patients)}"
        la, fi = _names(rng, 1)
        ad, zp = _addresses(rng, 1)
        row = {
            "patient_id": pid,
            "last_name": last or la[0],
            "first_name": fi[0],
            "dob": "1971-05-04",
            "sex": "F",
            "address_line": addr or ad[0],
            "postal_code": zip_ or zp[0],
            "deceased_date": "",
            "vip": "false",
            "employee_user_id": "",
        }
        row.update(kw)
        new_patients.append(row)
        return pid

    def event(i_or_id, pid, when, **kw):
        row = {
            "user_id": i_or_id if isinstance(i_or_id, str) else uid(i_or_id),
            "patient_id": pid,
            "local": when,
            "action": "view",
            "break_the_glass": False,
            "btg_reason": "",
        }
        row.update(kw)
        plants.append(row)

    def encounter(pid, when, *, user_id="", dept=""):
        new_encounters.append(
            {
                "encounter_id": f"E{990000 + len(new_encounters)}",
                "patient_id": pid,
                "start_date": f"{when:%Y-%m-%d}",
                "end_date": f"{when:%Y-%m-%d}",
                "user_id": user_id,
                "department": dept,
            }
        )

    def t(rule, i, pid, scenario):
        truth.append((rule, uid(i) if not isinstance(i, str) else i, pid, scenario))

    # a. self-access: an employee's own record, no encounter
    a = user()
    own = new_patient(last=wf.at[a, "last_name"], employee_user_id=uid(a))
    wf.at[a, "patient_id"] = own
    event(a, own, _weekday_at(start, 10, 10, 5))
    t("LOG-R-01", a, own, "self-access")
    t("LOG-R-07", a, own, "self-access")
    # b. family: same last name and address; c. same last name and postal code only
    b = user()
    fam = new_patient(last=wf.at[b, "last_name"], addr=wf.at[b, "address_line"])
    event(b, fam, _weekday_at(start, 12, 9, 40))
    t("LOG-R-02", b, fam, "family, same address")
    t("LOG-R-07", b, fam, "family, same address")
    c = user()
    fam2 = new_patient(last=wf.at[c, "last_name"].upper(), zip_=wf.at[c, "postal_code"])
    event(c, fam2, _weekday_at(start, 15, 14, 0))
    t("LOG-R-02", c, fam2, "family, same postal code")
    t("LOG-R-07", c, fam2, "family, same postal code")
    # d. look-alike: a clinician treating a relative (attending on the encounter)
    d = user()
    rel = new_patient(last=wf.at[d, "last_name"], addr=wf.at[d, "address_line"])
    when = _weekday_at(start, 20, 11, 0)
    encounter(rel, when, user_id=uid(d))
    event(d, rel, when)
    # e/f. co-workers: same department (error) and another department (warning)
    e = user()
    same = [i for i in pool if wf.at[i, "department"] == wf.at[e, "department"]]
    colleague = same[0] if same else user()
    if colleague in pool:
        pool.remove(colleague)
    crec = new_patient(employee_user_id=uid(colleague))
    wf.at[colleague, "patient_id"] = crec
    event(e, crec, _weekday_at(start, 25, 13, 15))
    t("LOG-R-04", e, crec, "co-worker, same department")
    t("LOG-R-07", e, crec, "co-worker, same department")
    f = user()
    other = next(i for i in pool if wf.at[i, "department"] != wf.at[f, "department"])
    pool.remove(other)
    orec = new_patient(employee_user_id=uid(other))
    wf.at[other, "patient_id"] = orec
    event(f, orec, _weekday_at(start, 26, 15, 30))
    t("LOG-R-04", f, orec, "co-worker, other department")
    t("LOG-R-07", f, orec, "co-worker, other department")
    # g. VIP without relationship; h. VIP by break-the-glass with a reason, with relationship
    g = user()
    vip = new_patient(vip="true")
    event(g, vip, _weekday_at(start, 30, 10, 45))
    t("LOG-R-05", g, vip, "VIP, no relationship")
    t("LOG-R-07", g, vip, "VIP, no relationship")
    h = user()
    vip2 = new_patient(vip="true")
    when = _weekday_at(start, 31, 8, 30)
    encounter(vip2, when, dept=wf.at[h, "department"])
    event(h, vip2, when, break_the_glass=True, btg_reason="Emergency treatment")
    t("LOG-R-05", h, vip2, "VIP, break-the-glass")
    # i. deceased: a nurse opens the record the day after death (relationship holds);
    #    look-alike: HIM opens it too
    i_ = user()
    dead_pid = new_patient()
    enc_day = _weekday_at(start, 40, 9)
    encounter(dead_pid, enc_day, dept=wf.at[i_, "department"])
    death_day = enc_day + pd.Timedelta(days=1)
    new_patients[-1]["deceased_date"] = f"{death_day:%Y-%m-%d}"
    after = _weekday_at(start, (death_day.date() - start).days + 1, 10, 20)
    event(i_, dead_pid, after)
    t("LOG-R-06", i_, dead_pid, "deceased, opened after death")
    him = wf.index[wf["role"] == "him"][0]
    event(int(him), dead_pid, after + pd.Timedelta(hours=2))
    # j. no relationship: a patient seen in another department only
    j = user()
    elsewhere = new_patient()
    when = _weekday_at(start, 45, 16, 10)
    otherdept = next(x for x in CLINICAL if x != wf.at[j, "department"])
    encounter(elsewhere, when, dept=otherdept)
    event(j, elsewhere, when)
    t("LOG-R-07", j, elsewhere, "no treatment relationship")
    # k. unmapped user id; l. shared account (in the roster as shared)
    ok_pid = new_patient()
    when = _weekday_at(start, 50, 10)
    k_dept = wf.at[pool[-1], "department"]
    encounter(ok_pid, when, dept=k_dept)
    event("X99001", ok_pid, when)
    t("LOG-R-08", "X99001", ok_pid, "unmapped user id")
    shared_id = "EDSHARED01"
    wf.loc[len(wf)] = {
        **wf.iloc[pool[-1]].to_dict(),
        "user_id": shared_id,
        "last_name": "Kiosk",
        "first_name": "Triagedesk",
        "patient_id": "",
        "account_type": "shared",
        "address_line": "",
        "postal_code": "",
    }
    event(shared_id, ok_pid, when + pd.Timedelta(minutes=20))
    t("LOG-R-08", shared_id, ok_pid, "shared account")
    # m. terminated user (night shift): 23:59:59 on the last day is fine, 00:00:30 after is not
    night = wf.index[(wf["shift"] == "night") & (wf["termination_date"] == "")][0]
    term_day = _weekday_at(start, 55, 0).date()
    wf.at[night, "termination_date"] = term_day.isoformat()
    tp = new_patient()
    encounter(tp, pd.Timestamp(term_day), dept=wf.at[night, "department"])
    event(int(night), tp, pd.Timestamp(term_day) + pd.Timedelta(hours=23, minutes=59, seconds=59))
    event(int(night), tp, pd.Timestamp(term_day) + pd.Timedelta(days=1, seconds=30))
    t("LOG-R-09", int(night), tp, "access after termination")
    # n. after hours: weekday 22:15, Saturday 10:00, Labor Day; look-alike night shift 02:00
    n_ = user()
    ah = new_patient()
    wk = _weekday_at(start, 60, 22, 15)
    encounter(ah, wk, dept=wf.at[n_, "department"])
    event(n_, ah, wk)
    sat = wk + pd.Timedelta(days=(5 - wk.weekday()) % 7)
    sat = sat.normalize() + pd.Timedelta(hours=10)
    encounter(ah, sat, dept=wf.at[n_, "department"])
    event(n_, ah, sat)
    t("LOG-R-10", n_, ah, "after hours")
    labor = pd.Timestamp(f"{start.year}-09-01")
    labor = labor + pd.Timedelta(days=(0 - labor.weekday()) % 7)  # first Monday of September
    if start <= labor.date() <= start + dt.timedelta(days=91):
        n2 = user()
        lp = new_patient()
        encounter(lp, labor, dept=wf.at[n2, "department"])
        event(n2, lp, labor + pd.Timedelta(hours=11))
        t("LOG-R-10", n2, lp, "federal holiday")
    night2 = wf.index[(wf["shift"] == "night") & (wf["termination_date"] == "")][1]
    np_ = new_patient()
    nwhen = _weekday_at(start, 62, 2)
    encounter(np_, nwhen, dept=wf.at[night2, "department"])
    event(int(night2), np_, nwhen)
    # o. break-the-glass with no reason
    o = user()
    bp = new_patient()
    when = _weekday_at(start, 65, 12)
    encounter(bp, when, dept=wf.at[o, "department"])
    event(o, bp, when, break_the_glass=True, btg_reason="")
    t("LOG-R-11", o, bp, "break-the-glass, no reason")
    # p. bulk: a billing user opens 150 distinct patients in one day
    billing = wf.index[wf["role"] == "billing"][0]
    bday = _weekday_at(start, 70, 9)
    for k in range(150):
        pid = patients.at[int(rng.integers(0, len(patients))), "patient_id"]
        if pid in set(patients.loc[dead, "patient_id"]):
            continue
        event(int(billing), pid, bday + pd.Timedelta(minutes=2 * k))
    t("LOG-R-12", int(billing), None, "bulk access")
    # q. repeat offender: no-relationship views on three days within a month
    q = user()
    for off in (72, 76, 80):
        rp = new_patient()
        event(q, rp, _weekday_at(start, off, 11))
        t("LOG-R-07", q, rp, "repeat offender")
    t("LOG-R-16", q, None, "repeat offender")
    # r. concurrent sessions: the account is used from another site and back within minutes
    r = user()
    cp = new_patient()
    when = _weekday_at(start, 84, 14)
    encounter(cp, when, dept=wf.at[r, "department"])
    event(r, cp, when)
    event(r, cp, when + pd.Timedelta(minutes=3), ip_address="172.20.14.9")
    event(r, cp, when + pd.Timedelta(minutes=6))
    t("LOG-R-08", r, cp, "concurrent sessions in two places")

    patients = pd.concat([patients, pd.DataFrame(new_patients)], ignore_index=True)
    encounters = pd.concat([encounters, pd.DataFrame(new_encounters)], ignore_index=True)
    return wf, patients, encounters


def _plant_integrity(log: pd.DataFrame, period: str) -> tuple[pd.DataFrame, list]:
    """A few broken events: empty user, a time outside the period, a repeated event id."""
    start, _ = parse_period(period)
    truth = []
    log = log.astype({"user_id": object, "event_time": object})
    i = 101
    log.at[i, "user_id"] = None
    truth.append(("LOG-I-03", log.at[i, "event_id"], "user_id"))
    j = 202
    log.at[j, "event_time"] = pd.Timestamp(start, tz="UTC") - pd.Timedelta(days=3)
    truth.append(("LOG-I-04", log.at[j, "event_id"], "event_time"))
    dup = log.iloc[[303]].copy()
    log = pd.concat([log, dup], ignore_index=True)
    truth.append(("LOG-KEY-01", dup["event_id"].iloc[0], "event_id"))
    log["event_time"] = pd.to_datetime(log["event_time"], utc=True)
    return log, truth


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
