"""Saving workbooks byte for byte the same from the same content.

openpyxl stamps ``docProps/core.xml`` with the time of saving and zips every part with the
current time, so two runs on the same inputs gave workpapers with different hashes (and a
manifest that differed for no reason). :func:`save_workbook` writes the workbook, then
rewrites the archive with the parts in the same order, a fixed zip time, and the
created/modified properties set to ``stamp`` (the review's as-of date, or 2000-01-01).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from .atomic import replacing

__all__ = ["save_workbook"]

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def save_workbook(wb, path: str | Path, *, stamp: dt.date | dt.datetime | None = None) -> Path:
    path = Path(path)
    when = stamp or dt.date(2000, 1, 1)
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day)
    text = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with (
        replacing(path) as tmp,
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(tmp, "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(lambda m: m.group(1) + text + m.group(3), data)
            part = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            part.compress_type = zipfile.ZIP_DEFLATED
            part.external_attr = 0o644 << 16
            dst.writestr(part, data)
    return path
