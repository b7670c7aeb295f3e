"""The demo access quarter's people and its planted scenarios: the word lists names and
addresses are drawn from, the snooping scenarios with their look-alikes (each with the rules it
must raise), and the few broken events the integrity checks must find."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import parse_period
from ..holidays import holidays_of_year

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


def names(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.choice(LAST, n), rng.choice(FIRST, n)


def addresses(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    numbers = rng.integers(10, 9999, n).astype(str)
    streets = rng.choice(STREETS, n)
    lines = np.char.add(np.char.add(numbers, " "), np.char.add(streets, " St"))
    zips = rng.integers(10000, 99999, n).astype(str)  # random 5-digit: collisions are rare
    return lines, zips


def weekday_at(start: dt.date, offset: int, hour: int, minute: int = 0) -> pd.Timestamp:
    """A weekday (not a federal holiday) on or after ``start + offset`` at hour:minute."""
    day = start + dt.timedelta(days=offset)
    while day.weekday() >= 5 or day in holidays_of_year(day.year):
        day += dt.timedelta(days=1)
    return pd.Timestamp(day) + pd.Timedelta(hours=hour, minutes=minute)


def plant_scenarios(rng, start, workforce, patients, encounters, plants, truth, dead, death):
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
        la, fi = names(rng, 1)
        ad, zp = addresses(rng, 1)
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
    event(a, own, weekday_at(start, 10, 10, 5))
    t("LOG-R-01", a, own, "self-access")
    t("LOG-R-07", a, own, "self-access")
    # b. family: same last name and address; c. same last name and postal code only
    b = user()
    fam = new_patient(last=wf.at[b, "last_name"], addr=wf.at[b, "address_line"])
    event(b, fam, weekday_at(start, 12, 9, 40))
    t("LOG-R-02", b, fam, "family, same address")
    t("LOG-R-07", b, fam, "family, same address")
    c = user()
    fam2 = new_patient(last=wf.at[c, "last_name"].upper(), zip_=wf.at[c, "postal_code"])
    event(c, fam2, weekday_at(start, 15, 14, 0))
    t("LOG-R-02", c, fam2, "family, same postal code")
    t("LOG-R-07", c, fam2, "family, same postal code")
    # d. look-alike: a clinician treating a relative (attending on the encounter)
    d = user()
    rel = new_patient(last=wf.at[d, "last_name"], addr=wf.at[d, "address_line"])
    when = weekday_at(start, 20, 11, 0)
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
    event(e, crec, weekday_at(start, 25, 13, 15))
    t("LOG-R-04", e, crec, "co-worker, same department")
    t("LOG-R-07", e, crec, "co-worker, same department")
    f = user()
    other = next(i for i in pool if wf.at[i, "department"] != wf.at[f, "department"])
    pool.remove(other)
    orec = new_patient(employee_user_id=uid(other))
    wf.at[other, "patient_id"] = orec
    event(f, orec, weekday_at(start, 26, 15, 30))
    t("LOG-R-04", f, orec, "co-worker, other department")
    t("LOG-R-07", f, orec, "co-worker, other department")
    # g. VIP without relationship; h. VIP by break-the-glass with a reason, with relationship
    g = user()
    vip = new_patient(vip="true")
    event(g, vip, weekday_at(start, 30, 10, 45))
    t("LOG-R-05", g, vip, "VIP, no relationship")
    t("LOG-R-07", g, vip, "VIP, no relationship")
    h = user()
    vip2 = new_patient(vip="true")
    when = weekday_at(start, 31, 8, 30)
    encounter(vip2, when, dept=wf.at[h, "department"])
    event(h, vip2, when, break_the_glass=True, btg_reason="Emergency treatment")
    t("LOG-R-05", h, vip2, "VIP, break-the-glass")
    # i. deceased: a nurse opens the record the day after death (relationship holds);
    #    look-alike: HIM opens it too
    i_ = user()
    dead_pid = new_patient()
    enc_day = weekday_at(start, 40, 9)
    encounter(dead_pid, enc_day, dept=wf.at[i_, "department"])
    death_day = enc_day + pd.Timedelta(days=1)
    new_patients[-1]["deceased_date"] = f"{death_day:%Y-%m-%d}"
    after = weekday_at(start, (death_day.date() - start).days + 1, 10, 20)
    event(i_, dead_pid, after)
    t("LOG-R-06", i_, dead_pid, "deceased, opened after death")
    him = wf.index[wf["role"] == "him"][0]
    event(int(him), dead_pid, after + pd.Timedelta(hours=2))
    # j. no relationship: a patient seen in another department only
    j = user()
    elsewhere = new_patient()
    when = weekday_at(start, 45, 16, 10)
    otherdept = next(x for x in CLINICAL if x != wf.at[j, "department"])
    encounter(elsewhere, when, dept=otherdept)
    event(j, elsewhere, when)
    t("LOG-R-07", j, elsewhere, "no treatment relationship")
    # k. unmapped user id; l. shared account (in the roster as shared)
    ok_pid = new_patient()
    when = weekday_at(start, 50, 10)
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
    term_day = weekday_at(start, 55, 0).date()
    wf.at[night, "termination_date"] = term_day.isoformat()
    tp = new_patient()
    encounter(tp, pd.Timestamp(term_day), dept=wf.at[night, "department"])
    event(int(night), tp, pd.Timestamp(term_day) + pd.Timedelta(hours=23, minutes=59, seconds=59))
    event(int(night), tp, pd.Timestamp(term_day) + pd.Timedelta(days=1, seconds=30))
    t("LOG-R-09", int(night), tp, "access after termination")
    # n. after hours: weekday 22:15, Saturday 10:00, Labor Day; look-alike night shift 02:00
    n_ = user()
    ah = new_patient()
    wk = weekday_at(start, 60, 22, 15)
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
    nwhen = weekday_at(start, 62, 2)
    encounter(np_, nwhen, dept=wf.at[night2, "department"])
    event(int(night2), np_, nwhen)
    # o. break-the-glass with no reason
    o = user()
    bp = new_patient()
    when = weekday_at(start, 65, 12)
    encounter(bp, when, dept=wf.at[o, "department"])
    event(o, bp, when, break_the_glass=True, btg_reason="")
    t("LOG-R-11", o, bp, "break-the-glass, no reason")
    # p. bulk: a billing user opens 150 distinct patients in one day
    billing = wf.index[wf["role"] == "billing"][0]
    bday = weekday_at(start, 70, 9)
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
        event(q, rp, weekday_at(start, off, 11))
        t("LOG-R-07", q, rp, "repeat offender")
    t("LOG-R-16", q, None, "repeat offender")
    # r. concurrent sessions: the account is used from another site and back within minutes
    r = user()
    cp = new_patient()
    when = weekday_at(start, 84, 14)
    encounter(cp, when, dept=wf.at[r, "department"])
    event(r, cp, when)
    event(r, cp, when + pd.Timedelta(minutes=3), ip_address="172.20.14.9")
    event(r, cp, when + pd.Timedelta(minutes=6))
    t("LOG-R-08", r, cp, "concurrent sessions in two places")

    patients = pd.concat([patients, pd.DataFrame(new_patients)], ignore_index=True)
    encounters = pd.concat([encounters, pd.DataFrame(new_encounters)], ignore_index=True)
    return wf, patients, encounters


def plant_integrity(log: pd.DataFrame, period: str) -> tuple[pd.DataFrame, list]:
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
