"""`claims eval` (score a run against gold, optionally gate it against a baseline) and
`claims compare` (what changed between two runs). Both re-score existing run
directories and never call a model.

Exit codes: 0 ok, 1 the gate failed, 2 bad input (missing run, gold hash mismatch...).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from claims.cli.console import console
from claims.cli.option_groups import option_group
from claims.cli.similarity_options import SimilarityOptions, similarity_options

GOLD_HELP = "Gold directory (gold/ or gold/articles/)."
MARKDOWN_HELP = "Write a Markdown summary (for a pull-request comment) to this file; '-' prints it instead of the tables."
JUNIT_HELP = "Write JUnit XML (one test case per article, plus the gate) to this file."
HTML_HELP = "Write a static HTML page (scores, gold vs predicted spans side by side) to this file."


def _stdout_report(json_out: bool, markdown: Path | None) -> bool:
    """True when --markdown - prints Markdown to stdout; it cannot share stdout with --json."""
    to_stdout = markdown is not None and str(markdown) == "-"
    if to_stdout and json_out:
        raise typer.BadParameter("--markdown - and --json both print to stdout; write one of them to a file",
                                 param_hint="--markdown")
    return to_stdout


def _check_bootstrap_options(confidence: float, resamples: int | None = None) -> None:
    """Refuse a confidence or resample count the bootstrap cannot use up front, not after
    minutes of scoring; resamples None skips that check (compare has never refused it)."""
    if not 0.5 <= confidence < 1.0:
        raise typer.BadParameter("must be in [0.5, 1)", param_hint="--confidence")
    if resamples is not None and resamples < 0:
        raise typer.BadParameter("must be >= 0", param_hint="--resamples")


REPORT_FORMATS = {".json": "json_path", ".md": "markdown_path", ".markdown": "markdown_path", ".html": "html_path",
                  ".htm": "html_path", ".xml": "junit_path"}
OUTPUT_HELP = "Write the report here, in the format its extension names: .json, .md, .html or .xml (JUnit)."


@dataclass
class ReportOptions:
    """The report files `claims eval` and `claims compare` both write (``@report_options``)."""

    output: Path | None
    markdown: Path | None
    junit: Path | None
    html: Path | None

    def paths(self, md_stdout: bool) -> dict[str, Path | None]:
        """The files to write: -o by its extension, plus the explicit per-format options."""
        paths: dict[str, Path | None] = {"json_path": None, "markdown_path": None if md_stdout else self.markdown,
                                         "junit_path": self.junit, "html_path": self.html}
        if self.output is not None:
            slot = REPORT_FORMATS.get(self.output.suffix.lower())
            if slot is None:
                raise typer.BadParameter(f"{self.output}: unknown report format {self.output.suffix or '(no extension)'!r}; "
                                         "use .json, .md, .html or .xml (JUnit)", param_hint="-o")
            paths[slot] = self.output
        return paths


report_options = option_group("reports", ReportOptions, {
    "output": (Path | None, typer.Option(None, "-o", "--output", help=OUTPUT_HELP)),
    "markdown": (Path | None, typer.Option(None, "--markdown", help=MARKDOWN_HELP)),
    "junit": (Path | None, typer.Option(None, "--junit", help=JUNIT_HELP)),
    "html": (Path | None, typer.Option(None, "--html", help=HTML_HELP)),
})


def _print_machine_readable(result: Any, json_out: bool, md_stdout: bool) -> bool:
    """--json or --markdown - on stdout; False when the terminal tables should print instead."""
    if json_out:
        from claims.evals.reports.json import to_json

        sys.stdout.write(to_json(result))
    elif md_stdout:
        from claims.evals.reports.markdown import to_markdown

        sys.stdout.write(to_markdown(result))
    return json_out or md_stdout


def _match_config(quote_threshold: float | None, statement_threshold: float | None, sim: SimilarityOptions) -> Any:
    from claims.evals.matching import match_config

    for name, v in (("--quote-threshold", quote_threshold), ("--statement-threshold", statement_threshold)):
        if v is not None and not 0.0 <= v <= 1.0:
            raise typer.BadParameter(f"must be between 0 and 1, got {v}", param_hint=name)
    return match_config(quote_threshold, statement_threshold, similarity=sim.build())


@similarity_options
@report_options
def eval_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory written by `claims extract` (holds claims.jsonl)."),
    gold: Path = typer.Option(Path("gold"), "--gold", "-g", help=GOLD_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the full result as JSON to stdout instead of tables."),
    reports: ReportOptions = None,  # type: ignore[assignment]  # -o, --markdown, --junit, --html (@report_options)
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors and a failed gate's reasons."),
    baseline: Path | None = typer.Option(None, "--baseline", help="Base run to gate against (non-inferiority on F1)."),
    max_drop: float = typer.Option(0.02, "--max-drop", help="Largest tolerated F1 drop vs the baseline."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence for intervals and the gate's one-sided bound."),
    min_f1: float | None = typer.Option(None, "--min-f1", help="Fail when claim F1 is below this."),
    min_attributed_f1: float | None = typer.Option(None, "--min-attributed-f1", help="Fail when attributed-claim F1 is below this."),
    max_attributed_drop: float | None = typer.Option(None, "--max-attributed-drop", help="Also gate attributed F1 against the baseline with this margin."),
    seed: int = typer.Option(0, "--seed", help="Seed for bootstrap and randomisation tests."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap / randomisation resamples."),
    quote_threshold: float | None = typer.Option(None, "--quote-threshold", help="Minimum quote-span Dice for a match (default 0.7)."),
    statement_threshold: float | None = typer.Option(None, "--statement-threshold", help="Minimum statement similarity for a match (default: the method's calibrated threshold; lexical 0.31)."),
    sweep: bool = typer.Option(False, "--sweep", help="Also print headline numbers across a grid of matcher thresholds."),
    floor: bool = typer.Option(True, "--floor/--no-floor", help="Compute the `sentences` floor in-process."),
    sim: SimilarityOptions = None,  # type: ignore[assignment]  # the --similarity* options (@similarity_options)
) -> None:
    """Score RUN_DIR against gold: claim P/R/F1 with bootstrap CIs, fields, spans, per article."""
    from claims.evals.evaluate import EvalOptions, evaluate, load_run_for
    from claims.evals.gold import load_gold
    from claims.evals.reports import write_reports
    from claims.evals.reports.terminal import render_eval, render_gate

    _check_bootstrap_options(confidence, resamples)
    md_stdout = _stdout_report(json_out, reports.markdown)
    cfg = _match_config(quote_threshold, statement_threshold, sim)
    opts = EvalOptions(match=cfg, resamples=resamples, seed=seed, confidence=confidence, floor=floor)
    gs = load_gold(gold)
    run = load_run_for(gs, run_dir)
    result = evaluate(gs, run, opts)
    if baseline is not None:
        from claims.evals.compare import compare

        base_opts = EvalOptions(match=cfg, resamples=0, seed=seed, confidence=confidence, floor=False, ceiling=False,
                                include_text=False)
        base = evaluate(gs, load_run_for(gs, baseline), base_opts)
        result.comparison = compare(base, result, resamples=resamples, seed=seed, confidence=confidence)
    if baseline is not None or min_f1 is not None or min_attributed_f1 is not None:
        from claims.evals.gate import run_gate

        result.gate = run_gate(result, result.comparison, max_drop=max_drop, confidence=confidence,
                               min_f1=min_f1, min_attributed_f1=min_attributed_f1,
                               max_attributed_drop=max_attributed_drop)
    write_reports(result, **reports.paths(md_stdout))

    if not _print_machine_readable(result, json_out, md_stdout):
        render_eval(result, console(quiet=quiet))
        if sweep and not quiet:
            from claims.evals.calibrate import DEFAULT_GRID, sweep_rows
            from claims.evals.reports.terminal import render_sweep

            gold_claims = gs.claims_by_id()
            preds = {aid: rec.claims for aid, rec in run.records.items() if aid in gold_claims}
            render_sweep(sweep_rows(gold_claims, preds, DEFAULT_GRID, cfg.similarity), console(), title=f"Sweep: {run_dir}")
    if result.gate is not None and not result.gate.passed:
        if quiet or json_out or md_stdout:
            render_gate(result.gate, console(stderr=True))
        raise typer.Exit(1)


@similarity_options
@report_options
def compare_cmd(
    base_run: Path = typer.Argument(..., help="The base run directory (e.g. main's run)."),
    head_run: Path = typer.Argument(..., help="The head run directory (e.g. the branch's run)."),
    gold: Path = typer.Option(Path("gold"), "--gold", "-g", help=GOLD_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the comparison as JSON to stdout."),
    reports: ReportOptions = None,  # type: ignore[assignment]  # -o, --markdown, --junit, --html (@report_options)
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence for the paired bootstrap interval."),
    seed: int = typer.Option(0, "--seed", help="Seed for the paired tests."),
    resamples: int = typer.Option(1000, "--resamples", help="Resamples for the paired tests."),
    quote_threshold: float | None = typer.Option(None, "--quote-threshold", help="Minimum quote-span Dice for a match."),
    statement_threshold: float | None = typer.Option(None, "--statement-threshold", help="Minimum statement similarity for a match (default: the method's calibrated threshold)."),
    sim: SimilarityOptions = None,  # type: ignore[assignment]  # the --similarity* options (@similarity_options)
) -> None:
    """Compare two runs on the same gold: F1 delta with paired tests, claims gained/lost, field flips."""
    from dataclasses import replace

    from claims.evals.compare import compare
    from claims.evals.evaluate import EvalOptions, evaluate, load_run_for
    from claims.evals.gold import load_gold
    from claims.evals.reports import write_reports
    from claims.evals.reports.terminal import render_comparison

    _check_bootstrap_options(confidence)
    md_stdout = _stdout_report(json_out, reports.markdown)
    cfg = _match_config(quote_threshold, statement_threshold, sim)
    opts = EvalOptions(match=cfg, resamples=0, seed=seed, confidence=confidence, floor=False, ceiling=False, include_text=False)
    gs = load_gold(gold)
    base = evaluate(gs, load_run_for(gs, base_run), opts)
    # the floor and ceiling frame the comparison; computed once, with the head
    head = evaluate(gs, load_run_for(gs, head_run), replace(opts, floor=True, ceiling=True))
    cmp = compare(base, head, resamples=resamples, seed=seed, confidence=confidence)
    write_reports(cmp, **reports.paths(md_stdout))
    if not _print_machine_readable(cmp, json_out, md_stdout):
        render_comparison(cmp, console(quiet=quiet))


def calibrate_cmd(
    gold: Path = typer.Option(Path("gold"), "--gold", help="Gold directory (articles/, and double/ for the ceiling)."),
) -> None:
    """Choose the matcher's thresholds: floor, rules and ceiling F1 across a grid, and the recommended point."""
    from claims.evals.calibrate import CEILING_SLACK, DEFAULT_GRID, QUOTE_GRID, calibration_table, recommend
    from claims.evals.matching import default_similarity
    from claims.evals.reports.terminal import render_calibration

    statement = float(default_similarity().threshold)  # calibrated on the contrast set (calibrate-similarity)
    grid = sorted(set(DEFAULT_GRID) | {(q, statement) for q in QUOTE_GRID})
    rows, notes = calibration_table(str(gold), grid)
    render_calibration(rows, notes, recommend(rows, statement), CEILING_SLACK, console())


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_cmd)
    app.command("calibrate")(calibrate_cmd)
    app.command("compare")(compare_cmd)
