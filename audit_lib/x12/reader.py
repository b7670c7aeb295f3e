"""A small, strict X12 segment reader keyed on the separators the ISA segment declares.

* Separators come from the fixed-width ISA segment: the element separator is its 4th
  character, the repetition separator ISA11, the component separator ISA16 and the segment
  terminator the character after it. A file that starts at ``GS`` or ``ST`` (no interchange
  envelope) is read with the separators it uses (element separator after the segment id,
  ``~`` or a newline as terminator).
* Text is UTF-8 (a BOM is accepted), UTF-16 (with or without a BOM: some Windows tools save
  X12 that way) or single-byte (the X12 basic and extended character sets).
* Line breaks after terminators, and terminators that *are* line breaks, are both handled.
* Envelopes are checked. Structural faults (ISA field widths, an ST/GS/ISA never closed, a
  segment outside a transaction set) are one :class:`X12Error` naming the file, the segment
  number, the segment and what was expected. Count and control-number mismatches (SE01,
  GE01, IEA01, SE02/GE02/IEA02) are common in real and test files and do not prevent a
  correct reading: they are kept as ``warnings`` and reported.

The reader splits with ``str.split`` (C speed) and yields plain tuples, so it reads hundreds of
megabytes a minute; transaction parsers (837, 835) walk the segments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, X12Error

__all__ = [
    "Interchange",
    "Segment",
    "Separators",
    "X12Error",
    "decode_x12",
    "read_x12",
    "segment_error",
    "x12_date",
]

_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)


@dataclass(frozen=True)
class Separators:
    element: str
    component: str
    segment: str
    repetition: str | None


@dataclass(frozen=True)
class Segment:
    """One segment: its id, its elements (``elements[0]`` is the id, as X12 numbers them) and
    its 1-based position in the file."""

    elements: tuple[str, ...]
    number: int

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, i: int, default: str = "") -> str:
        return self.elements[i] if i < len(self.elements) else default

    def text(self, sep: str = "*") -> str:
        return sep.join(self.elements)


@dataclass
class Interchange:
    """All transaction sets of one file: ``transactions`` is a list of (ST header, segments
    from ST to SE) with the functional group's version (GS08)."""

    path: Path
    separators: Separators
    transactions: list[tuple[str, str, list[Segment]]]  # (ST01 type, GS08 version, segments)
    segments: int
    warnings: list[str]  # envelope counts and control numbers that do not match


# segments whose text an error may show; the others (NM1, N3, N4, DMG, REF, PAT, PER...) can
# hold a name, an address, a date of birth or an id, and are named by their id only
_SHOWN = {"ISA", "GS", "GE", "ST", "SE", "IEA", "BHT", "HL", "LX", "SBR", "CLM", "CLP", "SV1",
          "SV2", "SVC", "CAS", "AMT", "BPR", "TRN", "PLB", "DTP", "DTM", "HI"}  # fmt: skip


def _message(path: Path, number: int, segment: str, what: str) -> str:
    sid = re.match(r"[A-Z0-9 ]*", segment).group(0).strip()[:3]
    if sid in _SHOWN:
        shown = segment if len(segment) <= 80 else segment[:77] + "..."
    else:
        shown = f"{sid or segment[:3]}, its values withheld: they may be protected"
    return f"{path.name}: segment {number} ({shown}): {what}."


def _fail(path: Path, number: int, segment: str, what: str) -> X12Error:
    return X12Error(_message(path, number, segment, what), path=path, row=number)


def segment_error(ic: Interchange, seg: Segment, what: str) -> X12Error:
    """The error for a segment of a read interchange (used by the transaction parsers)."""
    return _fail(ic.path, seg.number, seg.text(ic.separators.element), what)


def _trailer_warnings(
    path: Path, seg: Segment, element: str, opener: Segment, control: int, counted: int, what: str
) -> list[str]:
    """A trailer's (IEA, GE, SE) checks, kept as warnings: element 2 must repeat the opener's
    control number (its element ``control``) and element 1 count what it closes: ``what`` is
    the rest of "<ID>01 says {n} ..." with ``{n}`` and ``{counted}`` to fill."""
    shown, out = seg.text(element), []
    if seg.get(2) != opener.get(control):
        out.append(_message(
            path, seg.number, shown,
            f"{seg.id}02 {seg.get(2)!r} does not match {opener.id}{control:02d} "
            f"{opener.get(control)!r}",
        ))  # fmt: skip
    if seg.get(1).isdigit() and int(seg.get(1)) != counted:
        out.append(_message(
            path, seg.number, shown,
            f"{seg.id}01 says " + what.format(n=seg.get(1), counted=counted),
        ))  # fmt: skip
    return out


def _separators(text: str, path: Path) -> tuple[Separators, str]:
    body = text.lstrip("\ufeff \r\n\t")
    if body.startswith("ISA"):
        if len(body) < 106:
            raise _fail(
                path, 1, body[:106], "the ISA segment is shorter than its fixed 106 characters"
            )
        element = body[3]
        fields = body[:105].split(element)
        if len(fields) != 17:
            raise _fail(
                path, 1, body[:106],
                f"ISA must have 16 elements separated by {element!r}; found {len(fields) - 1} "
                "(a field is too short or too long)",
            )  # fmt: skip
        for i, (value, width) in enumerate(zip(fields[1:], _ISA_WIDTHS, strict=True), start=1):
            if len(value) != width:
                raise _fail(
                    path, 1, body[:106],
                    f"ISA{i:02d} must be {width} characters, found {len(value)} ({value!r})",
                )  # fmt: skip
        component = fields[16][0]
        terminator = body[105]
        repetition = fields[11] if fields[12] >= "00402" and not fields[11].isalnum() else None
        return Separators(element, component, terminator, repetition), body
    if body[:2] in ("ST", "GS") and len(body) > 3 and not body[2].isalnum():
        element = body[2]
        terminator = "~" if "~" in body[:4096] else "\n"
        # the component separator follows a composite's qualifier (SV1*HC:, SVC*HC>, HI*ABK:)
        found = re.search(
            re.escape(element) + r"(?:HC|AD|ER|IV|N4|WK|ABK|ABF|BK|BF|ABJ|ABZ|BBR|BR)"
            r"([^A-Za-z0-9\s" + re.escape(element + terminator) + "])",
            body[:65536],
        )
        component = found.group(1) if found else ":"
        return Separators(element, component, terminator, None), body
    raise _fail(path, 1, body[:40], "an X12 file must start with an ISA (or GS or ST) segment")


def _segments(body: str, seps: Separators) -> Iterator[tuple[str, ...]]:
    for raw in body.split(seps.segment):
        raw = raw.strip("\r\n\t ")
        if raw:
            yield tuple(raw.split(seps.element))


def decode_x12(data: bytes) -> str:
    """X12 bytes as text: UTF-16 when a BOM or NUL-interleaved ASCII says so, else UTF-8,
    else single-byte (the X12 basic/extended character sets)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    head = data[:64]
    if len(head) >= 8 and head[1::2].count(0) >= len(head) // 2 - 1:
        return data.decode("utf-16-le", "replace")
    if len(head) >= 8 and head[0::2].count(0) >= len(head) // 2 - 1:
        return data.decode("utf-16-be", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_x12(path: str | Path, *, data: bytes | None = None) -> Interchange:
    """Read and check one X12 file."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise InputError(f"{path} does not exist. Check the path.", path=path)
        data = path.read_bytes()
    text = decode_x12(data)
    if not text.strip():
        raise InputError(f"{path.name} is empty: expected an X12 interchange.", path=path)
    seps, body = _separators(text, path)
    transactions: list[tuple[str, str, list[Segment]]] = []
    isa = gs = st = None
    groups_in_isa = sets_in_gs = 0
    version = ""
    current: list[Segment] = []
    warnings: list[str] = []
    n = 0
    for n, elements in enumerate(_segments(body, seps), start=1):
        seg = Segment(elements, n)
        sid = elements[0]
        if sid == "ISA":
            if isa is not None:
                raise _fail(path, n, seg.text(seps.element), "ISA before the previous IEA")
            isa, groups_in_isa = seg, 0
        elif sid == "IEA":
            if isa is None:
                raise _fail(path, n, seg.text(seps.element), "IEA without an ISA")
            warnings += _trailer_warnings(
                path, seg, seps.element, isa, 13, groups_in_isa,
                "{n} functional groups; the interchange has {counted}",
            )  # fmt: skip
            isa = None
        elif sid == "GS":
            if gs is not None:
                raise _fail(path, n, seg.text(seps.element), "GS before the previous GE")
            gs, sets_in_gs, version = seg, 0, seg.get(8)
            groups_in_isa += 1
        elif sid == "GE":
            if gs is None:
                raise _fail(path, n, seg.text(seps.element), "GE without a GS")
            warnings += _trailer_warnings(
                path, seg, seps.element, gs, 6, sets_in_gs,
                "{n} transaction sets, the group has {counted}",
            )  # fmt: skip
            gs = None
        elif sid == "ST":
            if st is not None:
                raise _fail(path, n, seg.text(seps.element), "ST before the previous SE")
            st, current = seg, [seg]
            sets_in_gs += 1
            version = seg.get(3) or version
        elif sid == "SE":
            if st is None:
                raise _fail(path, n, seg.text(seps.element), "SE without an ST")
            current.append(seg)
            warnings += _trailer_warnings(
                path, seg, seps.element, st, 2, len(current),
                "{n} segments, the transaction set has {counted} "
                "(a segment is missing, extra, or split by a stray terminator)",
            )  # fmt: skip
            transactions.append((st.get(1), version, current))
            st, current = None, []
        elif st is not None:
            current.append(seg)
        else:
            raise _fail(
                path, n, seg.text(seps.element), "segment outside a transaction set (ST/SE)"
            )
    for open_seg, closer in ((st, "SE"), (gs, "GE"), (isa, "IEA")):
        if open_seg is not None:
            raise _fail(
                path, n, open_seg.text(seps.element),
                f"the file ends before the {closer} that closes this {open_seg.id}",
            )  # fmt: skip
    if not transactions:
        raise InputError(f"{path.name}: no transaction set (ST...SE) found.", path=path)
    return Interchange(path, seps, transactions, n, warnings)


def x12_date(value: str) -> str:
    """CCYYMMDD (or CCYYMMDD-CCYYMMDD: the first) -> YYYY-MM-DD; anything else as given."""
    v = value.split("-")[0]
    if len(v) == 8 and v.isdigit():
        return f"{v[:4]}-{v[4:6]}-{v[6:]}"
    return value
