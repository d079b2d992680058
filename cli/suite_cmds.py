"""`claims suite`: run eval suites (prompt x model grids), gate prompt changes, record runs.

Exit codes: 0 ok / gate passed, 1 some article failed / gate found a regression,
2 the command could not run (bad suite file, git failure, unknown ref).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from claims.cli.console import console
from claims.kernel.errors import UserError
from claims.kernel.settings import CACHE_MODES

suite_app = typer.Typer(help="Eval suites: run prompt x model grids, gate prompt changes, record runs.", no_args_is_help=True)

SUITES_HELP = "Folder of suite files (default ./evals/suites)."
NAME_HELP = "Suite name (evals/suites/NAME.yaml) or a path to a suite file."


def _load(name: str, suites_dir: Path | None) -> Any:
    from claims.evals.suite import load_suite

    return load_suite(name, suites_dir)


@suite_app.command("run")
def run_cmd(
    name: str = typer.Argument(..., help=NAME_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="Output folder: runs/<variant> (runs/<variant>/r<i> with repeats), summary.json, leaderboard.md."),
    variant: Optional[list[str]] = typer.Option(None, "--variant", "-v", help="Only these variants (repeatable; rules always runs)."),
    cache: Optional[str] = typer.Option(None, "--cache", help="Override every LLM variant's cache mode: on, off, refresh, replay."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Override the suite's cache folder."),
    suites_dir: Optional[Path] = typer.Option(None, "--suites-dir", help=SUITES_HELP),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Also write the Markdown leaderboard here ('-' prints it instead of the table)."),
    json_out: bool = typer.Option(False, "--json", help="Print the suite result as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Run every variant of a suite (extraction + eval, reusing the cache) and print the leaderboard.

    Exit 0 when every article of every variant succeeded, 1 when some failed, 2 on bad input.
    """
    from claims.evals.reports.leaderboard import leaderboard_markdown, render_leaderboard
    from claims.evals.suite import RunOptions, run_suite

    if cache is not None and cache not in CACHE_MODES:
        raise typer.BadParameter(f"choose {', '.join(CACHE_MODES)}", param_hint="--cache")
    suite = _load(name, suites_dir)
    opts = RunOptions(cache=cache, cache_dir=cache_dir, log=stderr_log(quiet or json_out))
    result, _ = run_suite(suite, output, opts, variants=variant or None)
    md = leaderboard_markdown(result)
    if markdown is not None and str(markdown) != "-":
        from claims.kernel.io import atomic_write_text

        atomic_write_text(markdown, md)
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif markdown is not None and str(markdown) == "-":
        sys.stdout.write(md)
    elif not quiet:
        render_leaderboard(result, console())
        typer.echo(f"{output}: summary.json, leaderboard.md, runs/", err=True)
    if result.failed:
        if not quiet:
            typer.echo("some articles failed; see runs/<variant>/failures.jsonl", err=True)
        raise typer.Exit(1)


@suite_app.command("gate")
def gate_cmd(
    name: str = typer.Argument(..., help=NAME_HELP),
    baseline_ref: str = typer.Option(..., "--baseline-ref", help="Git ref holding the base templates, e.g. origin/main."),
    output: Path = typer.Option(Path("runs/gate"), "-o", "--output", help="Output folder: base/ and head/ runs, <variant>.html and .json, gate.md."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write the Markdown summary here as well as printing it."),
    all_variants: bool = typer.Option(False, "--all", help="Gate every LLM variant, changed or not."),
    runs: Optional[list[Path]] = typer.Option(None, "--runs", help="Folders searched for a stored base run (repeatable; the output's base/ always is)."),
    cache: Optional[str] = typer.Option(None, "--cache", help="Override every LLM variant's cache mode."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Override the suite's cache folder."),
    suites_dir: Optional[Path] = typer.Option(None, "--suites-dir", help=SUITES_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the verdict per variant as JSON instead of Markdown."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors and a failed gate's reasons."),
) -> None:
    """Gate the prompt templates changed since --baseline-ref: old vs new on the suite's articles.

    Prints a Markdown summary for a pull-request comment and writes an HTML report per
    gated variant. Exit 0 pass, 1 regression, 2 error.
    """
    import json

    from claims.evals.suite_gate import gate_markdown, run_suite_gate
    from claims.kernel.io import atomic_write_text

    suite = _load(name, suites_dir)
    g = run_suite_gate(suite, baseline_ref, output, all_variants=all_variants, search=list(runs or []),
                       cache=cache, cache_dir=cache_dir, log=stderr_log(quiet or json_out))
    md = gate_markdown(g)
    atomic_write_text(output / "gate.md", md)
    if markdown is not None:
        atomic_write_text(markdown, md)
    if json_out:
        sys.stdout.write(json.dumps({
            "suite": g.suite, "ref": g.ref, "commit": g.commit, "passed": g.passed, "changed": g.changed,
            "variants": [{"name": o.name, "status": o.status, "passed": o.passed, "base_sha256": o.base_sha,
                          "head_sha256": o.head_sha, "base_source": o.base_source,
                          "reasons": o.result.gate.reasons if o.result and o.result.gate else [],
                          "report": str(g.reports.get(o.name)) if o.name in g.reports else None}
                         for o in g.outcomes],
        }, indent=2) + "\n")
    elif not quiet:
        sys.stdout.write(md)
    if not g.passed:
        if quiet:
            for o in g.outcomes:
                for reason in (o.result.gate.reasons if o.result and o.result.gate else []):
                    typer.echo(f"{o.name}: {reason}", err=True)
        raise typer.Exit(1)


@suite_app.command("record")
def record_cmd(
    name: str = typer.Argument(..., help=NAME_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="Recording folder (a response cache), e.g. evals/recordings/bundled."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Empty an existing recording first."),
    suites_dir: Optional[Path] = typer.Option(None, "--suites-dir", help=SUITES_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Run the suite's LLM variants against their server and keep every answer in OUTPUT.

    Replay it offline with a suite whose variants say `cache: replay` and `cache_dir: OUTPUT`
    (see evals/suites/replay.yaml).
    """
    import tempfile

    from claims.evals.suite import RunOptions, run_suite
    from claims.extract.cache import ResponseCache

    suite = _load(name, suites_dir)
    recording = ResponseCache(output, "refresh")
    if output.exists() and any(output.iterdir()):
        if not overwrite:
            raise UserError(f"{output}: not empty; use --overwrite to record afresh")
        recording.clear()
    with tempfile.TemporaryDirectory(prefix="claims-record-") as tmp:
        result, _ = run_suite(suite, Path(tmp), RunOptions(cache="refresh", cache_dir=output, log=stderr_log(quiet)))
    count, size = recording.size()
    if not quiet:
        typer.echo(f"{output}: {count} answers, {size / 1024:.1f} KiB", err=True)
    if result.failed:
        raise typer.Exit(1)


@suite_app.command("list")
def list_cmd(suites_dir: Optional[Path] = typer.Option(None, "--suites-dir", help=SUITES_HELP)) -> None:
    """List the suites: name, variants, description."""
    from claims.evals.suite import list_suites, load_suite

    paths = list_suites(suites_dir)
    if not paths:
        typer.echo("no suites found", err=True)
        return
    for p in paths:
        try:
            s = load_suite(p)
            typer.echo(f"{s.name:<12} {p}  variants: {', '.join(v.name for v in s.variants)}" + (f"\n{'':<12} {s.description}" if s.description else ""))
        except UserError as e:
            typer.echo(f"{p.stem:<12} {p}  INVALID: {e}")


@suite_app.command("show")
def show_cmd(
    name: str = typer.Argument(..., help=NAME_HELP),
    suites_dir: Optional[Path] = typer.Option(None, "--suites-dir", help=SUITES_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Print a suite as resolved: paths, thresholds, and each variant with its template hash."""
    import json

    from claims.extract.prompts import load_template

    s = _load(name, suites_dir)
    variants = []
    for v in s.variants:
        d = v.model_dump(exclude_none=True)
        if v.backend == "openai":
            t = load_template(v.prompt or "", s.prompts_dir)
            d["template"] = f"{t.id}@{t.version}"
            d["template_sha256"] = t.sha256
            d["seeds"] = s.seeds_of(v)
        variants.append(d)
    info = {
        "name": s.name, "file": str(s.path), "description": s.description, "gold": str(s.gold),
        "articles": [str(a) for a in s.articles], "prompts_dir": str(s.effective_prompts_dir()),
        "cache_dir": str(s.cache_dir), "repeats": s.repeats, "thresholds": s.thresholds.model_dump(),
        "eval": s.eval.model_dump(), "variants": variants, "notes": s.notes,
    }
    if json_out:
        typer.echo(json.dumps(info, indent=2))
        return
    for k, val in info.items():
        if k != "variants":
            typer.echo(f"{k}: {val}")
    typer.echo("variants:")
    for d in variants:
        typer.echo(f"  - {json.dumps(d)}")


def register(app: typer.Typer) -> None:
    app.add_typer(suite_app, name="suite")


def stderr_log(quiet: bool) -> Callable[[str], None] | None:
    """Progress lines of a suite run, on stderr (None: silent)."""
    return None if quiet else (lambda msg: typer.echo(msg, err=True))
