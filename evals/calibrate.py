"""Choosing the matcher's thresholds: `python -m evals.calibrate [--gold gold/]`.

For each (quote Dice, statement similarity) pair on a grid it prints claim F1 for:
- the floor: the `sentences` backend (every sentence a claim) - a good threshold keeps
  this low, since "every sentence" should not look like extraction;
- the ceiling: agreement between two independent label sets (gold/double) - a good
  threshold keeps this high, since two careful annotators describing the same claim
  in different words should match;
- the rules backend - what the default run scores.
Pick thresholds in the flat region where the ceiling is high and the floor low; the
defaults live in evals/matching.py. Uses whatever gold exists; a missing backend or no
double labels just leaves that column empty.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from extract.schema import Claim

from .matching import MatchConfig
from .metrics import pooled

QUOTE_GRID = (0.1, 0.2, 0.3, 0.5, 0.7)
STATEMENT_GRID = (0.0, 0.1, 0.2, 0.3, 0.5)
DEFAULT_GRID: tuple[tuple[float, float], ...] = tuple((q, s) for q in QUOTE_GRID for s in STATEMENT_GRID)


def sweep_rows(
    gold: Mapping[str, list[Claim]], preds: Mapping[str, list[Claim]], grid: Sequence[tuple[float, float]] = DEFAULT_GRID
) -> list[dict[str, float]]:
    """Headline numbers (P, R, F1, attributed F1, macro F1) for each threshold pair."""
    from .evaluate import score_articles

    rows = []
    for q, s in grid:
        arts = score_articles(gold, preds, MatchConfig(quote_threshold=q, statement_threshold=s), detail=False)
        micro, attributed, _, _, macro = pooled(arts)
        rows.append({"quote": q, "statement": s, "precision": micro.precision, "recall": micro.recall,
                     "f1": micro.f1, "attributed_f1": attributed.f1, "macro_f1": macro})
    return rows


def print_sweep(rows: list[dict[str, float]], console: object, title: str = "Sweep") -> None:
    from rich.table import Table

    t = Table(title=title, show_edge=False)
    for col in ("quote", "statement", "P", "R", "F1", "attr F1", "macro F1"):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(f"{r['quote']:.2f}", f"{r['statement']:.2f}", f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                  f"{r['f1']:.3f}", f"{r['attributed_f1']:.3f}", f"{r['macro_f1']:.3f}")
    console.print(t)  # type: ignore[attr-defined]


def calibration_table(gold_dir: str, grid: Sequence[tuple[float, float]] = DEFAULT_GRID) -> tuple[list[dict[str, float | None]], list[str]]:
    from .evaluate import backend_predictions, score_articles
    from .gold import load_gold

    gs = load_gold(gold_dir)
    notes: list[str] = []
    gold_claims = {aid: g.claims for aid, g in gs.articles.items()}
    backends: dict[str, dict[str, list[Claim]] | None] = {}
    for name in ("sentences", "rules"):
        try:
            backends[name] = backend_predictions(name, gs)
        except (ImportError, ValueError) as e:
            backends[name] = None
            notes.append(f"{name} backend unavailable: {e}")
    first = {aid: sets[0].claims for aid, sets in gs.double.items()}
    second = {aid: sets[1].claims for aid, sets in gs.double.items()}
    if not gs.double:
        notes.append("no double-labelled articles in gold/double: ceiling column empty")
    rows: list[dict[str, float | None]] = []
    for q, s in grid:
        cfg = MatchConfig(quote_threshold=q, statement_threshold=s)
        row: dict[str, float | None] = {"quote": q, "statement": s}
        for name, preds in backends.items():
            row[name] = pooled(score_articles(gold_claims, preds, cfg, detail=False))[0].f1 if preds is not None else None
        row["ceiling"] = pooled(score_articles(first, second, cfg, detail=False))[0].f1 if gs.double else None
        rows.append(row)
    notes.insert(0, f"{len(gs.articles)} gold articles, {sum(map(len, gold_claims.values()))} claims, {len(gs.double)} double-labelled")
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default="gold", help="gold directory (default gold/)")
    args = ap.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    from extract.errors import UserError

    try:
        rows, notes = calibration_table(args.gold)
    except UserError as e:
        print(f"error: {e}")
        return 2
    con = Console()
    for n in notes:
        con.print(f"[dim]{n}[/]")
    t = Table(title="Claim F1 by matcher thresholds (floor low, ceiling high is good)", show_edge=False)
    for col in ("quote Dice", "statement", "sentences (floor)", "rules", "ceiling"):
        t.add_column(col, justify="right")
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for r in rows:
        t.add_row(f"{r['quote']:.2f}", f"{r['statement']:.2f}", fmt(r["sentences"]), fmt(r["rules"]), fmt(r["ceiling"]))
    con.print(t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
