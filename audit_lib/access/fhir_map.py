"""FHIR AuditEvent (R4, R5) -> one access_log row, and who made the access.

==================  ===========================================================================
event_id            ``id`` (else ``sha256:`` + the first 16 hex digits of the resource's JSON)
event_time          R4 ``period.start`` or ``recorded``; R5 ``occurredDateTime``,
                    ``occurredPeriod.start`` or ``recorded``
user_id             the requesting agent's ``who``: its identifier value, else the id of its
                    reference, else R4 ``altId``, else its display (a name: flagged)
patient_id          R5 ``patient``; else the entity whose ``what`` is a Patient reference or whose
                    role is 1 (Patient): the identifier value or the reference's id
action              ``R`` view, ``C``/``U`` modify, ``D`` delete, ``E`` search when the event is a
                    search (subtype/code ``search`` or an entity with a query), else view
break_the_glass     a purpose of use/authorization BTG or ETREAT, or DICOM 110127
                    (Emergency Override Started); ``btg_reason`` = that purpose's display
workstation_id,     an agent's network address (R4 ``network``, R5 ``networkString`` /
ip_address          ``networkUri``); ip_address when it is an IPv4/IPv6 address
application         ``source.observer`` display or identifier, else R4 ``source.site``
accessor            ``workforce``; ``patient`` or ``related_person`` when the requesting agent is
                    a Patient or RelatedPerson (portal and patient apps: IHE BALP); ``system``
                    when no agent is the requestor, or it is a Device or an Organization
==================  ===========================================================================

References are read the way FHIR defines them: relative (``Patient/123``), absolute
(``https://host/fhir/Patient/123``, ``.../_history/2`` dropped), or contained (``#p1``: the
resource in ``contained``, by its identifier).
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

__all__ = ["map_event"]

_BTG_CODES = {"BTG", "ETREAT", "110127"}
_SYSTEM_TYPES = {"Device", "Organization"}


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


def _split(reference: str) -> tuple[str | None, str]:
    """(resource type or None, id) of a relative or absolute reference."""
    ref = reference.split("/_history")[0].rstrip("/")
    parts = ref.split("/")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return parts[-2], parts[-1]
    return None, ref


def _contained(res, local_id: str):
    return next((c for c in getattr(res, "contained", None) or [] if c.id == local_id), None)


def resolve(res, ref) -> tuple[str | None, str | None, str]:
    """(resource type, identifier, how) of a Reference: its identifier value, or the id of
    what it points at (a contained resource by its identifier); ``how`` says which."""
    if ref is None:
        return None, None, "none"
    r = getattr(ref, "reference", None) or ""
    kind, rid = _split(r) if r and not r.startswith("#") else (None, "")
    if r.startswith("#"):
        inner = _contained(res, r[1:])
        kind = type(inner).__name__ if inner is not None else None
        idents = getattr(inner, "identifier", None) or []
        value = next((i.value for i in idents if i.value), None)
        return kind, value, "contained" if value else "contained, no identifier"
    if not kind and getattr(ref, "type", None):  # Reference.type: "Patient" or its URL
        kind = str(ref.type).rstrip("/").split("/")[-1]
    ident = getattr(ref, "identifier", None)
    if ident is not None and ident.value:
        return kind, ident.value, "identifier"
    if rid:
        return kind, rid, "reference"
    return kind, None, "none"


def _patient_of(res) -> str | None:
    pat = getattr(res, "patient", None)
    if pat is not None:
        return resolve(res, pat)[1]
    for e in res.entity or []:
        kind, value, _ = resolve(res, e.what)
        roles = [c for c, _ in _codes([e.role])]
        if kind == "Patient" or ("1" in roles and e.what is not None):
            return value
    return None


def _accessor(res, req) -> tuple[str, str | None, bool]:
    """(accessor, user id, user id taken from a display name)."""
    if req is None or not req.requestor:
        return "system", (_agent_id(res, req)[0] if req is not None else None), False
    kind = resolve(res, req.who)[0] if req.who is not None else None
    user, from_display = _agent_id(res, req)
    if kind == "Patient":
        return "patient", user, from_display
    if kind == "RelatedPerson":
        return "related_person", user, from_display
    if kind in _SYSTEM_TYPES:
        return "system", user, from_display
    return "workforce", user, from_display


def _agent_id(res, agent) -> tuple[str | None, bool]:
    value = resolve(res, agent.who)[1] if agent.who is not None else None
    if value:
        return value, False
    alt = getattr(agent, "altId", None)
    if alt:
        return alt, False
    display = getattr(agent.who, "display", None) if agent.who is not None else None
    return (display, True) if display else (None, False)


def map_event(version: str, res) -> dict[str, Any]:
    agents = res.agent or []
    req = next((a for a in agents if a.requestor), agents[0] if agents else None)
    accessor, user, from_display = _accessor(res, req)
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
    app = None
    if observer is not None:
        app = getattr(observer, "display", None) or resolve(res, observer)[1]
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
        "accessor": accessor,
        "user_from_display": from_display,
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
