"""`claims calibrate-similarity`: each statement similarity's accuracy and AUC on the contrast
set (gold/contrast/), the threshold its rule gives, and the default method the rule picks.

Exit codes: 0 ok, 2 bad input (missing or invalid contrast set, unreachable server).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from claims.cli.similarity_options import SimilarityOptions, similarity_options


@similarity_options
def calibrate_similarity_cmd(
    contrast: Path = typer.Option(Path("gold/contrast"), "--contrast", help="The contrast set folder (pairs.yaml, double.yaml)."),
    methods: str = typer.Option("lexical,embedding", "--methods", help="Comma-separated methods to calibrate: lexical, embedding, judge."),
    refresh_double: bool = typer.Option(False, "--refresh-double", help="First rebuild double.yaml from the two label sets in --gold's double/."),
    gold: Path = typer.Option(Path("gold"), "--gold", "-g", help="Gold directory (for --refresh-double)."),
    json_out: bool = typer.Option(False, "--json", help="Print the results as JSON instead of tables."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the JSON results to this file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    sim: SimilarityOptions = None,  # type: ignore[assignment]  # the --similarity* options (@similarity_options)
) -> None:
    """Calibrate statement similarity on the contrast set: accuracy, AUC and the threshold rule, dev and test."""
    from claims.cli.console import console
    from claims.evals.contrast import load_contrast, write_double
    from claims.evals.similarity_calibration import calibrate_method, choose_default
    from claims.kernel.io import atomic_write_text

    names = [m.strip() for m in (sim.similarity or methods).split(",") if m.strip()]
    if refresh_double:
        from claims.evals.gold import load_gold
        from claims.evals.matching import DEFAULT_QUOTE_THRESHOLD

        write_double(load_gold(gold), contrast, DEFAULT_QUOTE_THRESHOLD)
    pairs = load_contrast(contrast)
    results = []
    for method in names:
        results.append(calibrate_method(method, sim.build(method), pairs))
    default = choose_default(results)
    payload: dict[str, Any] = {"contrast": str(contrast), "pairs": len(pairs), "methods": [asdict(r) for r in results],
                               "default": default.method if default else None}
    if output is not None:
        atomic_write_text(output, json.dumps(payload, indent=2) + "\n")
    if json_out:
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    con = console(quiet=quiet)
    _render(con, pairs, results, default)


def _render(con: Any, pairs: list[Any], results: list[Any], default: Any) -> None:
    from rich.table import Table

    from claims.evals.contrast import CATEGORIES, DOUBLE
    from claims.evals.similarity_calibration import PARAPHRASE_TARGET

    n_dev = sum(p.split == "dev" for p in pairs)
    con.print(f"contrast set: {len(pairs)} pairs ({n_dev} dev, {len(pairs) - n_dev} test); "
              f"threshold: highest that accepts >= {PARAPHRASE_TARGET:.0%} of dev pairs that should match")
    t = Table(title="Statement similarity on the contrast set (paraphrases accepted high, contrasts accepted low is good)",
              show_edge=False)
    for col in ("method", "threshold", "half", "accuracy", "paraphrases accepted", "contrasts accepted", "AUC", "AUC + facts"):
        t.add_column(col, justify="left" if col in ("method", "half") else "right")
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for r in results:
        for half, s in r.splits.items():
            t.add_row(r.name if half == "dev" else "", f"{r.threshold:.2f}" if half == "dev" else "", half,
                      fmt(s.accuracy), fmt(s.paraphrase_acceptance), fmt(s.contrast_acceptance), fmt(s.auc), fmt(s.auc_checked))
    con.print(t)
    c = Table(title="Accepted, by category (dev + test; paraphrase and double should be high)", show_edge=False)
    c.add_column("category")
    for r in results:
        c.add_column(r.name, justify="right")
    for cat in (*CATEGORIES, DOUBLE):
        n = sum(p.category == cat for p in pairs)
        if n == 0:
            continue
        cells = []
        for r in results:
            dev, test = r.splits["dev"].by_category.get(cat), r.splits["test"].by_category.get(cat)
            n_dev = sum(p.category == cat and p.split == "dev" for p in pairs)
            both = ((dev or 0) * n_dev + (test or 0) * (n - n_dev)) / n
            cells.append(f"{both:.2f}")
        c.add_row(f"{cat} ({n})", *cells)
    con.print(c)
    for r in results:
        vetoes = ", ".join(f"{k} {v}" for k, v in sorted(r.conflicts.items())) or "none"
        con.print(f"{r.name}: fact checks vetoed {vetoes}; {r.seconds:.2f} s"
                  + (f"; usage {r.usage}" if r.usage else ""))
        if r.accepted_contrasts:
            con.print(f"  test contrasts accepted: {', '.join(r.accepted_contrasts)}")
        if r.rejected_matches:
            con.print(f"  test matches rejected: {', '.join(r.rejected_matches)}")
    if default is not None:
        con.print(f"default by the rule (offline method with the fewest dev contrasts accepted, then higher AUC): "
                  f"[bold]{default.method}[/] at {default.threshold:.2f}")


def register(app: typer.Typer) -> None:
    app.command("calibrate-similarity")(calibrate_similarity_cmd)
