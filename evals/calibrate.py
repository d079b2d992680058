"""Choosing the matcher's thresholds (`claims calibrate [--gold gold/]`).

For each (quote Dice, statement similarity) pair on a grid it prints claim F1 for:
- the floor: the `sentences` backend (every sentence a claim) - a good threshold keeps
  this low, since "every sentence" should not look like extraction;
- the ceiling: agreement between two independent label sets (gold/double) - a good
  threshold keeps this high, since two careful annotators describing the same claim
  in different words should match;
- the rules backend - what the default run scores.
The rule used to pick the quote default (printed as the recommendation): with the
statement threshold fixed at the similarity's own (calibrated on the contrast set by
`claims calibrate-similarity`), among the quote values whose ceiling is within
``CEILING_SLACK`` of the best ceiling on the grid, take the one with the widest gap
between ceiling and floor (ties: the lower threshold). The defaults live in
evals/matching.py and extract/similarity. Uses whatever gold exists; a missing backend or no double labels
just leaves that column empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from claims.evals.evaluate import backend_predictions, score_articles
from claims.evals.gold import load_gold
from claims.evals.matching import MatchConfig
from claims.evals.metrics import pooled
from claims.kernel.schema import Claim

QUOTE_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
STATEMENT_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)
CEILING_SLACK = 0.02
DEFAULT_GRID: tuple[tuple[float, float], ...] = tuple((q, s) for q in QUOTE_GRID for s in STATEMENT_GRID)


def sweep_rows(
    gold: Mapping[str, list[Claim]], preds: Mapping[str, list[Claim]], grid: Sequence[tuple[float, float]] = DEFAULT_GRID,
    similarity: object = None,
) -> list[dict[str, float]]:
    """Headline numbers (P, R, F1, attributed F1, macro F1) for each threshold pair."""

    rows = []
    for q, s in grid:
        cfg = MatchConfig(quote_threshold=q, statement_threshold=s, **({"similarity": similarity} if similarity else {}))
        arts = score_articles(gold, preds, cfg, detail=False)
        micro, attributed, _, _, macro = pooled(arts)
        rows.append({"quote": q, "statement": s, "precision": micro.precision, "recall": micro.recall,
                     "f1": micro.f1, "attributed_f1": attributed.f1, "macro_f1": macro})
    return rows


def calibration_table(gold_dir: str, grid: Sequence[tuple[float, float]] = DEFAULT_GRID) -> tuple[list[dict[str, float | None]], list[str]]:

    gs = load_gold(gold_dir)
    notes: list[str] = []
    gold_claims = gs.claims_by_id()
    backends: dict[str, dict[str, list[Claim]] | None] = {}
    for name in ("sentences", "rules"):
        try:
            backends[name] = backend_predictions(name, gs)
        except (ImportError, ValueError) as e:
            backends[name] = None
            notes.append(f"{name} backend unavailable: {e}")
    first, second = gs.label_sets()
    if not gs.double:
        notes.append("no double-labelled articles in gold/double: ceiling column empty")
    rows: list[dict[str, float | None]] = []
    for q, s in grid:
        cfg = MatchConfig(quote_threshold=q, statement_threshold=s)
        row: dict[str, float | None] = {"quote": q, "statement": s}
        for name, preds in backends.items():
            if preds is not None:
                micro, attributed = pooled(score_articles(gold_claims, preds, cfg, detail=False))[:2]
                row[name], row[f"{name}_attributed"] = micro.f1, attributed.f1
        if gs.double:
            micro, attributed = pooled(score_articles(first, second, cfg, detail=False))[:2]
            row["ceiling"], row["ceiling_attributed"] = micro.f1, attributed.f1
        rows.append(row)
    notes.insert(0, f"{len(gs.articles)} gold articles, {sum(map(len, gold_claims.values()))} claims, {len(gs.double)} double-labelled")
    return rows, notes


def recommend(rows: list[dict[str, float | None]], statement: float | None = None) -> dict[str, float | None] | None:
    """The widest ceiling-floor gap among points that keep the ceiling near its best (at ``statement`` when given)."""
    usable = [r for r in rows if r.get("ceiling") is not None and r.get("sentences") is not None]
    best_anywhere = max((r["ceiling"] for r in usable), default=None)  # type: ignore[type-var]
    if statement is not None:
        usable = [r for r in usable if r["statement"] == statement]
    if not usable:
        return None
    best = best_anywhere
    near = [r for r in usable if r["ceiling"] >= best - CEILING_SLACK]  # type: ignore[operator]
    return max(near, key=lambda r: (round(r["ceiling"] - r["sentences"], 6), -r["quote"], -r["statement"]))  # type: ignore[operator]
