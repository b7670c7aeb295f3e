"""FHIR AuditEvent import: JSON, NDJSON or XML; a single resource or a Bundle; R4 and R5.

Resources are parsed and validated with ``fhir.resources`` (R4 through its ``R4B`` models,
R5 with the default ones), then mapped to the canonical ``access_log`` columns by
:mod:`audit_lib.access.fhir_map` (which also says who made each access).

The R5 ballot XML examples of the FHIR build (top-level ``type``/``subtype`` as
CodeableConcepts) are read leniently: ``type`` becomes ``category`` and the first ``subtype``
becomes ``code``, the R5 names, ``agent.network.address`` becomes ``agent.networkString``,
``outcome.coding``/``outcome.text`` become ``outcome.code``/``outcome.detail``, and the
narrative is dropped; the resource is then validated by the R5 model. Events with
no patient (login, logout, queries of no one) are not patient-record accesses: they are
counted and listed by id in the summary, not loaded; nor are accesses a patient (or a related
person) made through a portal or an app, or a system made with no user: they are not workforce
access, and the summary counts and lists them apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["read_audit_events"]

_NS = "{http://hl7.org/fhir}"


def _models():
    from fhir.resources.auditevent import AuditEvent as R5
    from fhir.resources.R4B.auditevent import AuditEvent as R4

    return R4, R5


def _fail(path: Path, where: str, exc: Exception) -> InputError:
    """What is wrong and where (the element's path), never the value: a validation error
    quotes its input, which may be a patient reference, a name or a birth date."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            parts = [
                ".".join(str(x) for x in e.get("loc", ())) + ": " + str(e.get("msg", ""))
                for e in errors(include_input=False, include_url=False)[:3]
            ]
        except TypeError:  # an older pydantic
            parts = [".".join(str(x) for x in e.get("loc", ())) + ": " + str(e.get("type", ""))
                     for e in errors()[:3]]  # fmt: skip
        text = "; ".join(parts)[:300]
    else:
        text = type(exc).__name__
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
        lines = text.splitlines() if suffix == ".ndjson" else [text]
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                number = i + 1 if suffix == ".ndjson" else exc.lineno  # the file's own line
                raise InputError(
                    f"{path.name} is not valid JSON: {exc.msg} at line {number}, column "
                    f"{exc.colno}.",
                    path=path,
                    row=number,
                ) from None
            docs.append((f"line {i + 1}" if suffix == ".ndjson" else "the resource", doc))
        for where, doc in docs:
            for w, res in _json_resources(path, doc, where):
                parsed.append(_parse_json_doc(path, w, res))
    from .fhir_map import map_event

    rows = [map_event(v, m) for v, m in parsed]
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "fhir_version", "accessor",
                                        "user_from_display"])  # fmt: skip
    no_patient = frame["patient_id"].isna()
    workforce = frame["accessor"] == "workforce"
    kept_mask = ~no_patient & workforce
    info = {
        "files": [p.name for p in paths],
        "resources": len(frame),
        "by_version": frame["fhir_version"].value_counts().sort_index().to_dict(),
        "patient_access_events": int(kept_mask.sum()),
        "skipped_without_patient": sorted(frame.loc[no_patient, "event_id"].astype(str)),
        **{
            f"{who}_initiated": sorted(
                frame.loc[~no_patient & (frame["accessor"] == who), "event_id"].astype(str)
            )
            for who in ("patient", "related_person", "system")
        },
        "user_id_from_display_name": sorted(
            frame.loc[kept_mask & frame["user_from_display"], "event_id"].astype(str)
        ),
        "note": "events by the patient or a related person (portal, patient apps) and by a "
        "system with no user are not workforce access: they are listed here and not reviewed; "
        "a user id taken from a display name (no identifier or reference) may not match the "
        "workforce roster",
    }
    kept = frame[kept_mask].drop(columns=["fhir_version", "accessor", "user_from_display"])
    if kept.empty:
        raise InputError(
            f"{', '.join(info['files'])}: {len(frame)} AuditEvent(s) read, none a workforce "
            f"access to a patient record ({int(no_patient.sum())} about no patient, "
            f"{len(frame) - int(no_patient.sum())} by a patient, a related person or a system); "
            "there is nothing to review.",
            path=paths[0],
        )
    return kept.reset_index(drop=True).astype("string"), info


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
