"""Span scores under the four SemEval-2013 schemes (strict, exact, partial, type).

The counting rules are those of the `nervaluate` package (v1.x), reproduced here so
that the eval has no test-only dependency at run time; tests/test_spans.py checks
that both give identical numbers on hundreds of random span sets. In brief, per
article, predictions are visited in order (sorted by start, end, label) and each
claims at most one not-yet-claimed gold span:

- strict: same boundaries and label -> correct; else the first gold span it
  overlaps -> incorrect; else spurious.
- exact: same boundaries (any label) -> correct; else overlap -> incorrect; else spurious.
- partial: same boundaries -> correct; else overlap -> partial; else spurious.
- type: overlap with the same label -> correct (closest boundaries win); overlap with
  another label -> incorrect; else spurious.

Unclaimed gold spans are missed. "Overlap" means the overlap covers at least
``min_overlap_percentage`` (default 1.0) percent of the gold span, computed as
nervaluate does on inclusive ends. possible = correct + incorrect + partial + missed,
actual = correct + incorrect + partial + spurious; partial and type count a partial
as half in precision and recall.

The span "label": quote spans carry the claim's attribution (``claim`` when it has
none), claimant spans the claimant type, cue spans ``cue``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from claims.evals.results import SpanCounts, SpanKind, SpanScheme, SpanScores
from claims.kernel.schema import Claim

SCHEMES: tuple[SpanScheme, ...] = ("strict", "exact", "partial", "type")
SpanTuple = tuple[str, int, int]  # (label, start, end) half-open


def claim_spans(claims: Iterable[Claim], kind: SpanKind) -> list[SpanTuple]:
    out: list[SpanTuple] = []
    for c in claims:
        if kind == "quote" and c.quote_span is not None:
            out.append((c.attribution.value if c.attribution else "claim", c.quote_span.start, c.quote_span.end))
        elif kind == "claimant" and c.claimant.span is not None:
            out.append((c.claimant.type.value, c.claimant.span.start, c.claimant.span.end))
        elif kind == "cue" and c.cue is not None and c.cue.span is not None:
            out.append(("cue", c.cue.span.start, c.cue.span.end))
    return sorted(out, key=lambda t: (t[1], t[2], t[0]))


class _Counts:
    __slots__ = ("correct", "incorrect", "partial", "missed", "spurious")

    def __init__(self) -> None:
        self.correct = self.incorrect = self.partial = self.missed = self.spurious = 0

    def add(self, other: "_Counts") -> None:
        self.correct += other.correct
        self.incorrect += other.incorrect
        self.partial += other.partial
        self.missed += other.missed
        self.spurious += other.spurious

    def finish(self, half_partial: bool) -> SpanCounts:
        actual = self.correct + self.incorrect + self.partial + self.spurious
        possible = self.correct + self.incorrect + self.partial + self.missed
        hit = self.correct + 0.5 * self.partial if half_partial else self.correct
        p = hit / actual if actual > 0 else 0.0
        r = hit / possible if possible > 0 else 0.0
        f = 2 * p * r / (p + r) if p + r > 0 else 0.0
        return SpanCounts(
            correct=self.correct, incorrect=self.incorrect, partial=self.partial, missed=self.missed,
            spurious=self.spurious, possible=possible, actual=actual, precision=p, recall=r, f1=f,
        )


def _overlaps(p: SpanTuple, t: SpanTuple, min_pct: float) -> bool:
    ps, pe, ts, te = p[1], p[2] - 1, t[1], t[2] - 1  # nervaluate works on inclusive ends
    if ps > te or pe < ts:
        return False
    return ((min(pe, te) - max(ps, ts) + 1) / (te - ts + 1)) * 100.0 >= min_pct


def _overlap_lists(true: Sequence[SpanTuple], pred: Sequence[SpanTuple], min_pct: float) -> list[list[int]]:
    """For each prediction, the gold indices it overlaps, in gold order.

    Every scheme only ever looks at overlapping gold spans (identical boundaries overlap
    100%), so this is computed once per article and kind. Gold is sorted by start; a
    running maximum of ends lets the scan stop early.
    """
    if not true:
        return [[] for _ in pred]
    starts = [t[1] for t in true]
    max_end: list[int] = []
    m = -1
    for t in true:
        m = max(m, t[2])
        max_end.append(m)
    out: list[list[int]] = []
    for p in pred:
        hi = bisect_left(starts, p[2])  # gold spans starting at or after p's end cannot overlap
        found: list[int] = []
        k = hi - 1
        while k >= 0 and max_end[k] > p[1]:
            if true[k][2] > p[1] and _overlaps(p, true[k], min_pct):
                found.append(k)
            k -= 1
        found.reverse()
        out.append(found)
    return out


def score_document(
    true: Sequence[SpanTuple], pred: Sequence[SpanTuple], scheme: SpanScheme, min_pct: float = 1.0,
    overlaps: list[list[int]] | None = None,
) -> _Counts:
    """nervaluate's counting for one document; ``true`` must be sorted by start."""
    c = _Counts()
    ov = overlaps if overlaps is not None else _overlap_lists(true, pred, min_pct)
    taken: set[int] = set()
    for p, cands in zip(pred, ov):
        hit: int | None = None  # the gold span this prediction claims
        outcome = "spurious"
        fallback: int | None = None
        if scheme == "type":
            best_dist: int | None = None
            for k in cands:
                if k in taken:
                    continue
                t = true[k]
                if p[0] == t[0]:
                    dist = abs(p[1] - t[1]) + abs(p[2] - t[2])
                    if best_dist is None or dist < best_dist:
                        hit, best_dist = k, dist
                elif fallback is None:
                    fallback = k
            if hit is not None:
                outcome = "correct"
            elif fallback is not None:
                hit, outcome = fallback, "incorrect"
        else:
            for k in cands:
                if k in taken:
                    continue
                t = true[k]
                if p[1] == t[1] and p[2] == t[2] and (scheme != "strict" or p[0] == t[0]):
                    hit, outcome = k, "correct"
                    break
                if fallback is None:
                    fallback = k
            if hit is None and fallback is not None:
                hit, outcome = fallback, ("partial" if scheme == "partial" else "incorrect")
        if hit is not None:
            taken.add(hit)
        setattr(c, outcome, getattr(c, outcome) + 1)
    c.missed += len(true) - len(taken)
    return c


def _score_all(true: Sequence[SpanTuple], pred: Sequence[SpanTuple], into: dict[SpanScheme, _Counts], min_pct: float) -> None:
    ov = _overlap_lists(true, pred, min_pct)
    for s in SCHEMES:
        into[s].add(score_document(true, pred, s, min_pct, ov))


def score_spans(
    docs: Iterable[tuple[Sequence[SpanTuple], Sequence[SpanTuple]]], kind: SpanKind, min_pct: float = 1.0
) -> SpanScores:
    """Pool per-document counts over articles; ``docs`` yields (gold spans, predicted spans)."""
    overall = {s: _Counts() for s in SCHEMES}
    by_label: dict[str, dict[SpanScheme, _Counts]] = {}
    for true, pred in docs:
        if not true and not pred:
            continue
        _score_all(true, pred, overall, min_pct)
        labels = {t[0] for t in true} | {p[0] for p in pred}
        for lab in labels:
            slot = by_label.setdefault(lab, {s: _Counts() for s in SCHEMES})
            if len(labels) == 1:  # the whole article has one label: same counts as overall
                _score_all(true, pred, slot, min_pct)
            else:
                _score_all([t for t in true if t[0] == lab], [p for p in pred if p[0] == lab], slot, min_pct)
    half = {"strict": False, "exact": False, "partial": True, "type": True}
    what = {"quote": "attribution", "claimant": "claimant type", "cue": "cue"}[kind]
    return SpanScores(
        kind=kind,
        labels=what,
        schemes={s: overall[s].finish(half[s]) for s in SCHEMES},
        by_label={lab: {s: v[s].finish(half[s]) for s in SCHEMES} for lab, v in sorted(by_label.items())},
    )
