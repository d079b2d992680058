"""What commands show: a progress display on a terminal, a job's closing summary, and
text printed or written to ``-o``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

T = TypeVar("T")
Tick = Callable[[int], None]


def echo_or_write(text: str, output: Path | None) -> None:
    """Print ``text``, or write it (newline-terminated, atomically) to ``output``."""
    if output is None:
        typer.echo(text)
    else:
        from claims.kernel.io import atomic_write_text

        atomic_write_text(output, text + "\n")


@contextmanager
def line_output(output: Path | None) -> Iterator[Callable[[str], None]]:
    """A ``write(line)`` that prints each line as it comes, or streams it to ``output``
    (renamed into place when the block succeeds, so an error leaves no half listing)."""
    if output is None:
        yield lambda line: sys.stdout.write(line + "\n")
        return
    from claims.kernel.io import atomic_output

    with atomic_output(output) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        yield lambda line: fh.write(line + "\n")


def with_progress(quiet: bool, what: str, unit: str, work: Callable[[Tick | None], T]) -> T:
    """Run ``work(tick)`` under a progress display on a terminal; off a terminal tick is None."""
    if quiet or not sys.stderr.isatty():
        return work(None)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} " + unit),
                  TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task(what, total=None)
        return work(lambda n: progress.update(task, completed=n))


SHOWN_FAILURES = 5


def failure_lines(run_dir: Path, most: int = SHOWN_FAILURES) -> list[str]:
    """The first failures as `where: problem` (a load failure's message already names file:line)."""
    from itertools import islice

    from claims.kernel.rundir import iter_failures

    out = []
    for f in islice(iter_failures(run_dir), most + 1):
        where = f.source or f.article_id
        out.append(f.message if f.message.startswith(where) else f"{where}: {f.error}: {f.message}")
    if len(out) > most:
        out[most:] = ["..."]
    return [line[:300] for line in out]


def finish_job(summary: Any, output: Path, *, json_out: bool, quiet: bool, command: list[str]) -> NoReturn:
    """Print the run's summary (or its manifest as JSON) and exit 0 / 1 (failures, budget) / 130 (interrupted)."""
    from claims.kernel.wording import plural

    m = summary.manifest
    if json_out:
        typer.echo(json.dumps(m, indent=2))
    elif not quiet:
        typer.echo(
            f"{output}: {plural(m['articles_done'], 'article')} done ({summary.done_before} from before), "
            f"{m['articles_failed']} failed, {plural(m['claims'], 'claim')} "
            f"({m['claims_ungrounded']} ungrounded) in {m['wall_seconds']:.2f}s",
            err=True,
        )
        if m["articles_failed"]:
            kinds = ", ".join(f"{k}: {v}" for k, v in m["failures_by_error"].items())
            typer.echo(f"failures: {output / 'failures.jsonl'} ({kinds})", err=True)
            for line in failure_lines(output):
                typer.echo(f"  {line}", err=True)
        for note in m.get("notes") or []:
            typer.echo(f"note: {note}", err=True)
    if summary.status != "complete":
        if summary.stop_reason:
            typer.echo(f"error: {summary.stop_reason}", err=True)
        cmd = " ".join(command) if command else f"claims extract ... -o {output}"
        typer.echo(f"stopped; {output} keeps every finished article. Resume with the same command:\n  {cmd}", err=True)
        raise typer.Exit(130 if summary.status == "interrupted" else (summary.exit_code or 1))
    raise typer.Exit(1 if m["articles_failed"] else 0)
