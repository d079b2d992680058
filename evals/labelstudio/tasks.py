"""Gold files or a run -> Label Studio tasks, one per article, its claims as predictions.

Predictions are what Label Studio shows as pre-annotations: a labeller reviewing gold, or
drafting from a model's run, accepts, edits, adds or deletes claims instead of starting
from nothing. Every claim field travels (the quote and the claimant and cue texts as
regions, the rest as per-claim controls), and the task data keeps the gold file's own
fields, so that export then import of unchanged gold gives back the same claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from claims.evals.gold import load_gold
from claims.evals.labelstudio.config import CHOICES, CLAIM, CLAIMANT, CUE, REL_CLAIMANT, REL_CUE, SPAN, TEXT, TEXTAREAS
from claims.evals.run_texts import run_with_texts
from claims.kernel.schema import Claim, Span

CLAIM_ID_PREFIX = "claim-"  # claim-<index in the source's claims list>: keeps their order on import


@dataclass
class TaskSet:
    """The tasks to import into Label Studio, and what could not be carried, with why."""

    tasks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def claims(self) -> int:
        return sum(
            1 for t in self.tasks for p in t.get("predictions", []) for r in p["result"]
            if r.get("type") == "labels" and r["value"]["labels"] == [CLAIM]
        )


def field_value(claim: Claim, path: str) -> Any:
    """The value at a dotted field path (``claimant.type``), enums as their value."""
    value: Any = claim
    for part in path.split("."):
        value = getattr(value, part, None)
    return value.value if isinstance(value, Enum) else value


def _region(rid: str, span: Span, text: str, label: str) -> dict[str, Any]:
    return {
        "id": rid, "from_name": SPAN, "to_name": TEXT, "type": "labels",
        "value": {"start": span.start, "end": span.end, "text": span.slice(text), "labels": [label]},
    }


def claim_results(claims: list[Claim], text: str, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Label Studio result items for ``claims`` over ``text``, and notes on what was left out.

    A claim without a quote span (ungrounded) cannot be a region and is left out; a
    claimant or cue text without a span keeps its other fields but not its text.
    Claimant and cue regions on the same span are shared by the claims that use them.
    """
    regions: list[dict[str, Any]] = []
    per_claim: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    shared: dict[tuple[str, int, int], str] = {}
    notes: list[str] = []

    def shared_region(label: str, span: Span) -> str:
        key = (label, span.start, span.end)
        if key not in shared:
            shared[key] = f"{label.lower()}-{span.start}-{span.end}"
            regions.append(_region(shared[key], span, text, label))
        return shared[key]

    for i, claim in enumerate(claims):
        if claim.quote_span is None or claim.quote_span.end > len(text):
            notes.append(f"{where}: claim {i} left out: its quote is not located in the article ({claim.quote[:60]!r})")
            continue
        span = claim.quote_span
        if span.slice(text) != claim.quote:
            notes.append(f"{where}: claim {i}: the quote differs from the article text at its span; the article's text is used")
        rid = f"{CLAIM_ID_PREFIX}{i}"
        regions.append(_region(rid, span, text, CLAIM))
        at = {"start": span.start, "end": span.end}
        for name, (path, _, _) in CHOICES.items():
            value = field_value(claim, path)
            if value is not None:
                per_claim.append({"id": rid, "from_name": name, "to_name": TEXT, "type": "choices",
                                  "value": {**at, "text": span.slice(text), "choices": [value]}})
        for name, (path, _) in TEXTAREAS.items():
            value = field_value(claim, path)
            if value is not None:
                per_claim.append({"id": rid, "from_name": name, "to_name": TEXT, "type": "textarea",
                                  "value": {**at, "text": [str(value)]}})
        for label, rel, other_span, other_text in (
            (CLAIMANT, REL_CLAIMANT, claim.claimant.span, claim.claimant.text),
            (CUE, REL_CUE, claim.cue.span if claim.cue else None, claim.cue.text if claim.cue else None),
        ):
            if other_text is None:
                continue
            if other_span is None or other_span.end > len(text):
                notes.append(f"{where}: claim {i}: {rel} text {other_text!r} has no span in the article; left out")
                continue
            relations.append({"type": "relation", "from_id": rid, "to_id": shared_region(label, other_span),
                              "direction": "right", "labels": [rel]})
    return regions + per_claim + relations, notes


def _task(data: dict[str, Any], result: list[dict[str, Any]], model_version: str, predictions: bool) -> dict[str, Any]:
    task: dict[str, Any] = {"data": data}
    if predictions:
        task["predictions"] = [{"model_version": model_version, "result": result}]
    return task


def gold_tasks(gold_dir: str | Path, *, predictions: bool = True) -> TaskSet:
    """One task per gold article (``articles/*.gold.yaml``; ``double/`` is not exported)."""
    gold = load_gold(gold_dir)
    out = TaskSet()
    for aid, g in gold.articles.items():
        text = gold.texts[aid]
        result, notes = claim_results(g.claims, text, str(gold.files[aid]))
        out.notes += notes
        data = {TEXT: text, "article_id": aid, "text_sha256": g.text_sha256, "source": "gold",
                "labelled_by": g.labelled_by, "guideline_version": g.guideline_version, "notes": g.notes}
        out.tasks.append(_task(data, result, f"gold {g.guideline_version}", predictions))
    return out


def run_tasks(run_dir: str | Path, articles: list[str] | None = None, *, predictions: bool = True) -> TaskSet:
    """One task per article the run extracted; texts from ``articles`` (default: the run's inputs)."""
    out = TaskSet()
    run, pairs = run_with_texts(run_dir, articles)
    backend, model, prompt = run.describe()
    version = " ".join(x for x in (backend, model, prompt) if x) or "run"
    for rec, text, title in pairs:
        result, notes = claim_results(rec.claims, text, f"{run.path}: article {rec.article_id}")
        out.notes += notes
        data = {TEXT: text, "article_id": rec.article_id, "text_sha256": rec.text_sha256, "source": "run",
                "title": title or rec.title, "run": str(run.path), "model_version": version}
        out.tasks.append(_task(data, result, version, predictions))
    out.notes += [f"{run.path}: article {a} failed in the run ({f.error}); no task" for a, f in run.failures.items()]
    return out

