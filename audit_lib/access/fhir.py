"""FHIR AuditEvent import: JSON, NDJSON or XML; a single resource or a Bundle; R4 and R5.

Resources are parsed and validated with ``fhir.resources`` (R4 through its ``R4B`` models,
R5 with the default ones), then mapped to the canonical ``access_log`` columns:

==================  ===========================================================================
event_id            ``id`` (else ``sha256:`` + the first 16 hex digits of the resource's JSON)
event_time          R4 ``period.start`` or ``recorded``; R5 ``occurredDateTime``,
                    ``occurredPeriod.start`` or ``recorded``
user_id             the requesting agent's ``who.identifier.value``, else ``who.reference``
                    (without the resource type), else R4 ``altId``
patient_id          R5 ``patient``; else the entity whose ``what`` is a Patient reference or whose
                    role is 1 (Patient); the identifier value or the reference's id
action              ``R`` view, ``C``/``U`` modify, ``D`` delete, ``E`` search when the event is a
                    search (subtype/code ``search`` or an entity with a query), else view
break_the_glass     a purpose of use/authorization BTG or ETREAT, or DICOM 110127
                    (Emergency Override Started); ``btg_reason`` = that purpose's display
workstation_id,     an agent's network address (R4 ``network``, R5 ``networkString`` /
ip_address          ``networkUri``); ip_address when it is an IPv4/IPv6 address
application         ``source.observer`` display or identifier, else R4 ``source.site``
==================  ===========================================================================

The R5 ballot XML examples of the FHIR build (top-level ``type``/``subtype`` as
CodeableConcepts) are read leniently: ``type`` becomes ``category`` and the first ``subtype``
becomes ``code``, the R5 names, ``agent.network.address`` becomes ``agent.networkString``,
``outcome.coding``/``outcome.text`` become ``outcome.code``/``outcome.detail``, and the
narrative is dropped; the resource is then validated by the R5 model. Events with
no patient (login, logout, queries of no one) are not patient-record accesses: they are
counted and listed by id in the summary, not loaded.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["read_audit_events"]

_BTG_CODES = {"BTG", "ETREAT", "110127"}
_NS = "{http://hl7.org/fhir}"


def _models():
    from fhir.resources.auditevent import AuditEvent as R5
    from fhir.resources.R4B.auditevent import AuditEvent as R4

    return R4, R5


def _fail(path: Path, where: str, exc: Exception) -> InputError:
    first = str(exc).strip().splitlines()
    text = " ".join(first[:3])[:300] if first else type(exc).__name__
    return InputError(
        f"{path.name}: {where} is not a valid FHIR AuditEvent ({text}). Export AuditEvents "
        "as FHIR R4 or R5 JSON, NDJSON or XML.",
        path=path,
    )


# --- reading resources -----------------------------------------------------------------------
def _json_resources(path: Path, doc: Any, where: str) -> list[tuple[str, dict]]:
    if not isinstance(doc, dict) or "resourceType" not in doc:
        raise InputError(
            f"{path.name}: {where} is not a FHIR resource (no resourceType).", path=path
        )
    if doc["resourceType"] == "Bundle":
        return [
            (f"{where} entry {i + 1}", e["resource"])
            for i, e in enumerate(doc.get("entry") or [])
            if isinstance(e, dict) and (e.get("resource") or {}).get("resourceType") == "AuditEvent"
        ]
    if doc["resourceType"] != "AuditEvent":
        raise InputError(
            f"{path.name}: {where} is a {doc['resourceType']}, not an AuditEvent or a Bundle.",
            path=path,
        )
    return [(where, doc)]


def _is_r4(doc: dict) -> bool:
    t = doc.get("type")
    return isinstance(t, dict) and "coding" not in t  # R4: type is a Coding


def _ballot_to_r5(doc: dict) -> dict:
    """R5 ballot shape (type/subtype CodeableConcepts) to R5 names (category/code)."""
    doc = dict(doc)
    if "type" in doc:
        doc["category"] = [doc.pop("type")]
    if "subtype" in doc:
        sub = doc.pop("subtype")
        doc["code"] = sub[0] if isinstance(sub, list) and sub else sub
    out = doc.get("outcome")
    if isinstance(out, dict) and "coding" in out and "code" not in out:
        doc["outcome"] = {"code": (out["coding"] or [{}])[0]}
    return doc


def _parse_json_doc(path: Path, where: str, doc: dict):
    R4, R5 = _models()
    try:
        if _is_r4(doc):
            return "R4", R4.model_validate(doc)
        if isinstance(doc.get("type"), dict):
            return "R5-ballot", R5.model_validate(_ballot_to_r5(doc))
        return "R5", R5.model_validate(doc)
    except Exception as exc:  # pydantic ValidationError and the models' own errors
        raise _fail(path, where, exc) from None


def _parse_xml(path: Path, data: bytes) -> list[tuple[str, str, Any]]:
    import xml.etree.ElementTree as ET

    R4, R5 = _models()
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{path.name} is not well-formed XML: {exc}.", path=path) from None
    if root.tag == f"{_NS}Bundle":
        items = [r for r in root.iter(f"{_NS}AuditEvent")]
    elif root.tag == f"{_NS}AuditEvent":
        items = [root]
    else:
        raise InputError(
            f"{path.name}: the root element is {root.tag}, not a FHIR AuditEvent or Bundle.",
            path=path,
        )
    out = []
    for i, el in enumerate(items):
        where = f"resource {i + 1}"
        t = el.find(f"{_NS}type")
        version = "R5"
        if t is not None and t.find(f"{_NS}coding") is None:
            version = "R4"
        elif t is not None:  # R5 ballot: rename to the R5 elements
            version = "R5-ballot"
            _rename_ballot_xml(el)
        ET.register_namespace("", _NS[1:-1])  # serialise FHIR as the default namespace
        text = ET.tostring(el, encoding="unicode")
        try:
            model = (R4 if version == "R4" else R5).model_validate_xml(text.encode("utf-8"))
        except Exception as exc:
            raise _fail(path, where, exc) from None
        out.append((where, version, model))
    return out


_BEFORE_NETWORK = {f"{_NS}{n}" for n in ("type", "role", "who", "requestor", "location", "policy")}


def _rename_ballot_xml(el) -> None:
    import xml.etree.ElementTree as ET

    children = list(el)
    for c in children:  # the narrative is for people; its XHTML trips the parser
        if c.tag == f"{_NS}text":
            el.remove(c)
    children = list(el)
    subtypes = [c for c in children if c.tag == f"{_NS}subtype"]
    for c in children:
        if c.tag == f"{_NS}type":
            c.tag = f"{_NS}category"
    for extra in subtypes[1:]:
        el.remove(extra)
    if subtypes:
        subtypes[0].tag = f"{_NS}code"
    out = el.find(f"{_NS}outcome")
    if out is not None and out.find(f"{_NS}code") is None:
        coding = out.find(f"{_NS}coding")
        if coding is not None:
            coding.tag = f"{_NS}code"
        text = out.find(f"{_NS}text")
        if text is not None:  # outcome.text -> outcome.detail.text
            out.remove(text)
            detail = ET.SubElement(out, f"{_NS}detail")
            detail.append(text)
    for agent in el.findall(f"{_NS}agent"):  # agent.network.address -> agent.networkString
        net = agent.find(f"{_NS}network")
        if net is not None:
            address = net.find(f"{_NS}address")
            agent.remove(net)
            if address is not None:
                new = ET.Element(f"{_NS}networkString", {"value": address.get("value", "")})
                kids = list(agent)
                names = [k.tag for k in kids]
                at = max((i + 1 for i, n in enumerate(names) if n in _BEFORE_NETWORK), default=0)
                agent.insert(at, new)
    # R5 element order: category and code come right after text/meta
    order = ["id", "meta", "implicitRules", "language", "text", "contained", "extension",
             "modifierExtension", "category", "code", "action", "severity", "occurredPeriod",
             "occurredDateTime", "recorded", "outcome", "authorization", "basedOn", "patient",
             "encounter", "agent", "source", "entity"]  # fmt: skip
    rank = {f"{_NS}{n}": i for i, n in enumerate(order)}
    kids = list(el)
    for k in kids:
        el.remove(k)
    for k in sorted(kids, key=lambda k: rank.get(k.tag, len(order))):
        el.append(k)


# --- mapping -----------------------------------------------------------------------------------
def _codes(items) -> list[tuple[str, str]]:
    """(code, display or text) of Codings and CodeableConcepts."""
    out = []
    for it in items or []:
        if it is None:
            continue
        codings = getattr(it, "coding", None)
        if codings is None and getattr(it, "code", None) is not None:
            codings = [it]
        for c in codings or []:
            out.append((c.code or "", c.display or getattr(it, "text", None) or c.code or ""))
    return out


def _ref_id(ref) -> str | None:
    if ref is None:
        return None
    ident = getattr(ref, "identifier", None)
    if ident is not None and ident.value:
        return ident.value
    r = getattr(ref, "reference", None)
    if r:
        parts = r.split("/_history")[0].split("/")
        return parts[-1] if len(parts) >= 2 else r
    return None


def _patient_of(res) -> str | None:
    pat = getattr(res, "patient", None)
    if pat is not None:
        return _ref_id(pat)
    for e in res.entity or []:
        what = e.what
        ref = getattr(what, "reference", None) or ""
        if ref.split("/")[-3:-2] == ["Patient"] or ref.startswith("Patient/"):
            return _ref_id(what)
        roles = [c for c, _ in _codes([e.role])]
        if "1" in roles and what is not None:
            return _ref_id(what)
    return None


def _map(version: str, res) -> dict[str, Any]:
    agents = res.agent or []
    req = next((a for a in agents if a.requestor), agents[0] if agents else None)
    user = None
    if req is not None:
        user = (
            _ref_id(req.who)
            or getattr(req, "altId", None)
            or (getattr(req.who, "display", None) if req.who else None)
        )
    if version == "R4":
        when = res.period.start if res.period and res.period.start else res.recorded
        kinds = _codes([res.type, *(res.subtype or [])])
        purposes = _codes(res.purposeOfEvent) + [
            c for a in agents for c in _codes(getattr(a, "purposeOfUse", None))
        ]
        addresses = [a.network.address for a in agents if a.network and a.network.address]
    else:
        when = (
            res.occurredDateTime
            or (res.occurredPeriod.start if res.occurredPeriod else None)
            or res.recorded
        )
        kinds = _codes([*(res.category or []), res.code])
        purposes = _codes(res.authorization) + [
            c for a in agents for c in _codes(getattr(a, "authorization", None))
        ]
        addresses = [
            a.networkString or a.networkUri for a in agents if (a.networkString or a.networkUri)
        ]
    codes = {c for c, _ in kinds}
    query = any(getattr(e, "query", None) for e in res.entity or [])
    action = {"R": "view", "C": "modify", "U": "modify", "D": "delete"}.get(res.action or "")
    if action is None:
        action = "search" if ("search" in codes or query) else "view"
    btg = [(c, d) for c, d in purposes if c in _BTG_CODES] + [
        (c, d) for c, d in kinds if c in _BTG_CODES
    ]
    reason = next((d for c, d in btg if c in ("ETREAT",) or (c != "110127" and d)), "")
    ip = next((a for a in addresses if _is_ip(a)), None)
    observer = res.source.observer if res.source else None
    app = (getattr(observer, "display", None) or _ref_id(observer)) if observer else None
    if not app and version == "R4" and res.source:
        app = res.source.site
    raw = res.model_dump_json(exclude_none=True)
    return {
        "event_id": res.id or "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:16],
        "event_time": when.isoformat() if hasattr(when, "isoformat") else when,
        "user_id": user,
        "patient_id": _patient_of(res),
        "action": action,
        "workstation_id": next((a for a in addresses if not _is_ip(a)), ip),
        "ip_address": ip,
        "application": app,
        "break_the_glass": bool(btg),
        "btg_reason": reason if btg else "",
        "fhir_version": version,
    }


def _is_ip(text: str | None) -> bool:
    t = str(text)
    for prefix in ("urn:ipv6:", "urn:ipv4:", "urn:ip:"):
        t = t.removeprefix(prefix)
    try:
        ipaddress.ip_address(t)
        return True
    except ValueError:
        return False


def read_audit_events(sources) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The access_log rows of AuditEvent files, and what was read (counts, skipped ids)."""
    paths = [Path(p) for p in (sources if isinstance(sources, list | tuple) else [sources])]
    parsed: list[tuple[str, Any]] = []
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path} does not exist. Check the --access-log path.", path=path)
        data = path.read_bytes()
        suffix = path.suffix.lower()
        if suffix == ".xml":
            parsed += [(v, m) for _, v, m in _parse_xml(path, data)]
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{path.name} is not UTF-8 text.", path=path) from None
        docs: list[tuple[str, Any]] = []
        try:
            if suffix == ".ndjson":
                docs = [
                    (f"line {i + 1}", json.loads(line))
                    for i, line in enumerate(text.splitlines())
                    if line.strip()
                ]
            else:
                docs = [("the resource", json.loads(text))]
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                f"{exc.colno}.",
                path=path,
                row=exc.lineno,
            ) from None
        for where, doc in docs:
            for w, res in _json_resources(path, doc, where):
                parsed.append(_parse_json_doc(path, w, res))
    rows = [_map(v, m) for v, m in parsed]
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "fhir_version"])
    no_patient = frame["patient_id"].isna()
    info = {
        "files": [p.name for p in paths],
        "resources": len(frame),
        "by_version": frame["fhir_version"].value_counts().sort_index().to_dict(),
        "patient_access_events": int((~no_patient).sum()),
        "skipped_without_patient": sorted(frame.loc[no_patient, "event_id"].astype(str)),
    }
    kept = frame[~no_patient].drop(columns="fhir_version").reset_index(drop=True)
    if kept.empty:
        raise InputError(
            f"{', '.join(info['files'])}: {len(frame)} AuditEvent(s) read, none about a patient "
            "record; there is nothing to review.",
            path=paths[0],
        )
    return kept.astype("string"), info


_COLUMNS = [
    "event_id",
    "event_time",
    "user_id",
    "patient_id",
    "action",
    "workstation_id",
    "ip_address",
    "application",
    "break_the_glass",
    "btg_reason",
]
