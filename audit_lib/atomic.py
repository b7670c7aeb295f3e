"""Write a file whole or not at all: into a temporary name beside it, then rename.

A package or workbook written over a good one on a full disk, or interrupted, leaves the good
one in place (the rename is atomic on one filesystem). OS errors name the path and are exit 2.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError


@contextlib.contextmanager
def replacing(target: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` (with ``mode``)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror or exc}. Check the folder's permissions and "
            "free space; nothing there was changed.",
            path=target,
        ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
