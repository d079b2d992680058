"""The `claims` command. Each command group lives in its own module; heavy libraries
(datasets, scipy, openai) are imported inside the commands that need them so that
`claims --help` starts fast.

Exit codes: 0 success, 1 the result is bad (failed articles, gate failed, gold
problems), 2 the command could not run (bad input or options).
"""

from __future__ import annotations

import sys

import typer

from .. import __version__
from ..errors import UserError

app = typer.Typer(
    name="claims",
    help="Extract source-grounded claims from news articles and evaluate them against gold.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"claims {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Extract source-grounded claims from news articles and evaluate them against gold."""


# Command groups register themselves here; one module per group.
from . import extract_cmds  # noqa: E402

extract_cmds.register(app)
from . import prompts_cmds  # noqa: E402

prompts_cmds.register(app)
from . import eval_cmds  # noqa: E402

eval_cmds.register(app)
from . import gold_cmds  # noqa: E402

gold_cmds.register(app)

from . import batch_cmds  # noqa: E402

batch_cmds.register(app)

from . import suite_cmds  # noqa: E402

suite_cmds.register(app)


def main() -> None:
    try:
        app()
    except UserError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
