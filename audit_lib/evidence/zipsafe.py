"""Zip files read as evidence: refused before any member is read when they could deceive or
exhaust the reader.

- A duplicate entry name: ``verify`` would hash one copy while ``unzip`` extracts the other.
- More than ``MAX_TOTAL_BYTES`` uncompressed, or a member over 1 MiB that expands more than
  ``MAX_RATIO`` times (a zip bomb). The sizes are the ones the zip declares; CPython's reader
  never returns more than a member's declared size, so the check holds for lying headers too.
Members are hashed while streaming, never read whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError

MAX_TOTAL_BYTES = 16 << 30
MAX_RATIO = 200
MAX_MEMBERS = 200_000
_SMALL = 1 << 20


def refusal(z: zipfile.ZipFile) -> str | None:
    """Why this zip must not be read, or None."""
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        return f"it holds {len(infos):,} entries (more than {MAX_MEMBERS:,})"
    repeated = [(n, c) for n, c in Counter(i.filename for i in infos).items() if c > 1]
    if repeated:
        name, count = repeated[0]
        return (
            f"it holds the entry {name} {count} times, so what is checked and what an "
            "extractor writes could differ"
        )
    locked = next((i.filename for i in infos if i.flag_bits & 0x1), None)
    if locked:  # the suite never encrypts a package: the flag is damage or another tool's work
        return f"its entry {locked} is marked encrypted"
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        return f"it expands to {total:,} bytes (more than {MAX_TOTAL_BYTES:,})"
    for i in infos:
        if i.file_size > _SMALL and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            return f"its entry {i.filename} expands {ratio:,} times (a zip bomb?)"
    return None


def open_zip(path: Path, data: bytes | None = None) -> zipfile.ZipFile:
    """Open ``path`` (or ``data`` named by it) as a zip, refusing one :func:`refusal` names."""
    import io

    try:
        z = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InputError(f"{path} is not a readable zip file.", path=path) from None
    why = refusal(z)
    if why:
        z.close()
        raise InputError(f"{path} is refused: {why}. It is not read.", path=path)
    return z


@contextlib.contextmanager
def damaged_entry(name: str) -> Iterator[None]:
    """A member that cannot be read (bad CRC, bad header, truncated, unknown compression) is an
    InputError naming it, never a crash."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        why = getattr(exc, "strerror", None) or type(exc).__name__
        raise InputError(f"{name} cannot be read ({why}): the file is damaged") from None


def sha256_member(z: zipfile.ZipFile, name: str) -> str:
    h = hashlib.sha256()
    with z.open(name) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
