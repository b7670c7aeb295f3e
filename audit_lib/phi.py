"""Masking of protected health information (PHI).

Every output shows patients and members only as stable keyed tokens: ``PT-`` + the first 12 hex
digits of HMAC-SHA256(key, value). The same patient gets the same token in every run made with
the same key, so findings can be followed quarter over quarter, and nobody without the key can
go back from a token to the id (a plain hash of a medical record number could be reversed by
hashing every possible number).

The key never goes into an output. It is read from, in order:

1. the ``AUDIT_PHI_KEY`` environment variable (any text; for CI and shared team runs);
2. the file named by ``AUDIT_PHI_KEY_FILE``;
3. ``~/.config/audit-suite/phi.key``, created with mode 0600 on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["PROTECTED_COLUMNS", "Masker", "load_key"]

#: Claims columns whose raw values must never reach an output.
PROTECTED_COLUMNS = frozenset(
    {"patient_id", "member_id", "patient_dob", "patient_death_date", "patient_name", "address"}
)

_PREFIX = {"patient_id": "PT", "member_id": "MB", "beneficiary_name": "BN", "mbi": "MBI"}


def _default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "audit-suite" / "phi.key"


MIN_KEY_BYTES = 32


def readable_by_others(path: Path) -> bool:
    """A key file its group or other users may read (or write): refused as a key."""
    return os.name == "posix" and bool(path.stat().st_mode & 0o077)


def load_key() -> bytes:
    """Return the masking key, creating a private key file (32 random bytes, mode 0600) on
    first use. A key shorter than 32 bytes, or a key file others can read, is refused: with a
    short key the tokens can be reversed by trying every id of the id's format.

    Raises:
        ConfigError: the key is empty or short, or its file is readable by others.
    """
    from .errors import ConfigError

    env = os.environ.get("AUDIT_PHI_KEY")
    if env is not None:
        key = env.strip().encode("utf-8")
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"AUDIT_PHI_KEY is {len(key)} bytes; a masking key must be at least "
                f"{MIN_KEY_BYTES} (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        return key
    path = Path(os.environ.get("AUDIT_PHI_KEY_FILE") or _default_key_file())
    if path.is_file():
        if readable_by_others(path):
            raise ConfigError(
                f"the masking key file {path} is readable by other users (mode "
                f"{path.stat().st_mode & 0o777:o}); make it private: chmod 600 {path}."
            )
        key = path.read_bytes().strip()
        if len(key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"the masking key file {path} holds {len(key)} bytes; a key must be at least "
                f"{MIN_KEY_BYTES}. Delete the file to have a new random key made (tokens change)."
            )
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


class Masker:
    """Turns protected values into stable tokens.

    >>> m = Masker(b"k")
    >>> m.token("M1234567") == m.token("M1234567"), m.token("M1234567").startswith("PT-")
    (True, True)
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else load_key()

    def token(self, value: str, kind: str = "patient_id") -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{_PREFIX.get(kind, 'PHI')}-{digest[:12]}"

    def mask_series(self, values: pd.Series, kind: str = "patient_id") -> pd.Series:
        """Mask a column: one HMAC per distinct value, not per row; missing stays missing."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        tokens = np.array([self.token(str(u), kind) for u in uniques] + [None], dtype=object)
        return pd.Series(tokens[codes], index=values.index, dtype="string")  # code -1 -> None
