"""The `claims` command. Each command group lives in its own module; heavy libraries
(datasets, scipy, openai) are imported inside the commands that need them so that
`claims --help` starts fast.

Exit codes: 0 success, 1 the result is bad (failed articles, gate failed, gold
problems), 2 the command could not run (bad input or options).
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from claims.cli import help_style
from claims.kernel.errors import UserError
from claims.kernel.version import __version__


class _Group(TyperGroup):
    """A user mistake anywhere below becomes one line on stderr and exit 2, never a traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except UserError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None


help_style.apply()

app = typer.Typer(
    cls=_Group,
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
from claims.cli import batch_cmds, eval_cmds, export_cmds, extract_cmds, gold_cmds, links_cmds, prompts_cmds, similarity_cmds, suite_cmds  # noqa: E402

for _module in (extract_cmds, prompts_cmds, eval_cmds, gold_cmds, batch_cmds, export_cmds, suite_cmds, links_cmds,
                similarity_cmds):
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
