"""Exceptions raised when an audit cannot run.

A failed *check* is never an exception: it is a finding. Exceptions are for the auditor's own
failures (a file that cannot be read, a bad setting), and every message says what failed, the
offending value and what to do next. None of them carries a raw protected value.

::

    AuditError                         exit code 1 unless a subclass says otherwise
    ├─ InputError                      exit code 2: an input file cannot be used
    │   ├─ MissingColumnsError         required columns absent (lists every one)
    │   └─ EmptyInputError             no bytes, or a header and no rows
    ├─ ConfigError                     exit code 2: a bad parameter or setting
    ├─ SuiteOutOfDateError             committed expectations JSON differs from the code
    └─ NotebookRunError                a review notebook failed; keeps the partial notebook
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "AuditError",
    "ConfigError",
    "EmptyInputError",
    "InputError",
    "MissingColumnsError",
    "NotebookRunError",
    "SuiteOutOfDateError",
    "X12Error",
    "safe_error_text",
    "user_error_class",
]


class AuditError(Exception):
    """Base class: the audit itself could not run."""

    exit_code = 1


class InputError(AuditError):
    """An input file cannot be used as given."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = str(path) if path is not None else None
        self.column = column
        self.row = row


class MissingColumnsError(InputError):
    """Required columns are missing; ``missing`` lists every one of them."""

    def __init__(self, path: str | Path, missing: Sequence[str], found: Sequence[str]) -> None:
        shown = ", ".join(found[:10]) + (f", ... ({len(found)} in all)" if len(found) > 10 else "")
        one = found[0] if len(found) == 1 else ""
        delimiter = max((";", "\t", "|"), key=one.count) if one else ""
        if delimiter and one.count(delimiter) >= 2:  # the header read as one column
            name = {"\t": "tab", ";": "semicolon", "|": "pipe"}[delimiter]
            message = (
                f"{Path(path).name} has one column: its header is {name}-delimited, not "
                "comma-separated. Save it as CSV with commas, or read it with a profile "
                "(--profile / --mapping) that names the delimiter."
            )
        else:
            listed = ", ".join(repr(m) for m in missing)
            message = (
                f"{Path(path).name} is missing required column(s) {listed}"
                f" (found: {shown or 'no columns'}). Rename the columns to the names of the "
                "input table (docs/INPUTS.md; matching ignores case and surrounding spaces), "
                "or read a CMS "
                "or vendor layout with --profile (audit profiles lists them) or --mapping, and "
                "run again."
            )
        super().__init__(message, path=path)
        self.missing = list(missing)
        self.found = list(found)


class EmptyInputError(InputError):
    """The file has no bytes, or a header but no data rows."""


class X12Error(InputError):
    """A malformed X12 file: the message names the segment and position."""


class ConfigError(AuditError):
    """A parameter or configuration value is invalid."""

    exit_code = 2


class SuiteOutOfDateError(AuditError):
    """The committed expectations JSON no longer matches the suite built from code."""


class NotebookRunError(AuditError):
    """A review notebook failed while executing.

    ``notebook_path`` is the partially executed notebook, kept as evidence of where it stopped.
    """

    def __init__(self, message: str, *, notebook_path: str | Path, cause: str = "") -> None:
        super().__init__(message)
        self.notebook_path = str(notebook_path)
        self.cause = cause


def safe_error_text(exc: BaseException) -> str:
    """The one text of an error that may reach a console, ``RUN_FAILED.json`` or a kept
    notebook. The suite's own errors are written to name the file, row, column or segment,
    never a protected value, so their message is shown; any other error (a defect, or a
    library's) may quote the data it failed on, so only its type and where it was raised are."""
    if isinstance(exc, AuditError):
        return str(exc)
    return f"{type(exc).__name__} {raised_at(exc)} (its message is withheld: it may quote the data)"


def raised_at(exc: BaseException) -> str:
    """``in <file> line <n>``: the innermost frame of the suite's own code, else the last."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    ours = [f for f in frames if "audit_lib" in f.filename] or frames
    if not ours:
        return ""
    f = ours[-1]
    name = f.filename.split("audit_lib", 1)[-1].lstrip("/\\")
    return f"in {'audit_lib/' + name if 'audit_lib' in f.filename else name} line {f.lineno}"


def user_error_class(name: str) -> type[AuditError] | None:
    """The suite's user error (exit 2) a class name stands for, found in the error tree, as
    the class that re-raises it with its message alone (InputError or ConfigError): how an
    error raised in a notebook's kernel comes back to the caller as the same error."""
    stack, found = [AuditError], None
    while stack:
        cls = stack.pop()
        if cls.__name__ == name:
            found = cls
        stack += cls.__subclasses__()
    if found is None or found.exit_code != 2:
        return None
    return InputError if issubclass(found, InputError) else ConfigError
