"""The rich console commands print tables to: the terminal's width on a terminal; off
one (piped, redirected, CI logs) wide enough that no table or line is wrapped."""

from __future__ import annotations

import sys
from typing import Any

PIPED_WIDTH = 400


def console(*, quiet: bool = False, stderr: bool = False) -> Any:
    from rich.console import Console  # on demand: start-up time

    out = sys.stderr if stderr else sys.stdout
    return Console(file=out, quiet=quiet, soft_wrap=False, width=None if out.isatty() else PIPED_WIDTH)
