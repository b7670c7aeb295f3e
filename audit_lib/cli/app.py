"""The ``audit`` command group: one message and the right exit code for every error.

Exit codes: 0 done (findings are results, not failures); 2 bad input or usage; 1 internal
error. Every error is one clear message on stderr, never a traceback (set ``AUDIT_DEBUG=1`` to
see one).
"""

from __future__ import annotations

import os
import traceback

import click

from .._version import __version__
from ..errors import AuditError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


def say(message: str) -> None:
    click.echo(message, err=True)


def say_notes(exc: BaseException) -> None:
    for note in getattr(exc, "__notes__", ()):  # the suite's own notes (where a run was kept)
        say(f"audit: {note}")


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # one message, right exit code, no traceback
        try:
            return super().invoke(ctx)
        except AuditError as exc:
            say(f"audit: error: {exc}")
            say_notes(exc)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:  # permission, read-only, disk full: the user's to fix
            if os.environ.get("AUDIT_DEBUG"):
                traceback.print_exc()
            if exc.filename is None:
                say(f"audit: error: {exc.strerror or type(exc).__name__}.")
            else:
                say(
                    f"audit: error: {exc.filename}: {exc.strerror}. Check that the folder "
                    "exists, that you may write there and that the disk has room."
                )
            say_notes(exc)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt as exc:
            say("audit: interrupted")
            say_notes(exc)
            ctx.exit(130)
        except Exception as exc:  # a defect of ours: say so plainly, without the data
            if os.environ.get("AUDIT_DEBUG"):
                traceback.print_exc()
            from ..errors import safe_error_text

            say(
                f"audit: internal error: {safe_error_text(exc)}. "
                "Run again with AUDIT_DEBUG=1 for details and report it."
            )
            say_notes(exc)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audit")
def main() -> None:
    """Audit and compliance reviews of healthcare revenue-cycle data."""
