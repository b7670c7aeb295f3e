"""``python -m audit_lib.cli``: the ``audit`` command."""

from . import main

main()
