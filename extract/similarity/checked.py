"""``FactChecked``: any similarity with the fact checks in front of it.

What the matcher, chunk dedupe and the linker call. It is itself a ``Similarity``
(``score`` is 0 for a conflicting pair, so code that knows only the protocol still
never matches a wrong number), and ``compare`` returns a ``Verdict`` that keeps the raw
score and the reason, for reports. A conflict is decided before the method is asked,
so a judge is never paid for a pair the checks already rule out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from claims.extract.similarity.base import Similarity, score_pairs
from claims.extract.similarity.facts import CHECKS, Conflict, Facts, fact_signature, facts_of, find_conflict, may_conflict


@dataclass(frozen=True)
class Checked:
    """A prepared statement: the method's own preparation; its facts are read on first use
    (most pairs of an evaluation score below the cut-off and never need them)."""

    inner: Any
    statement: str
    denied: bool = False

    @cached_property
    def facts(self) -> Facts:
        return facts_of(self.statement, self.denied)

    @cached_property
    def signature(self) -> tuple[str, ...] | None:
        return fact_signature(self.statement)


@dataclass(frozen=True)
class Verdict:
    score: float  # the method's score (0 when a costly method was not asked because of a conflict)
    conflict: Conflict | None  # looked for only when the score reaches the cut-off (below it, no match anyway)
    match: bool  # no conflict and score >= the cut-off


class FactChecked:
    """``similarity`` behind the fact checks; ``threshold`` defaults to the method's calibrated one."""

    def __init__(self, similarity: Similarity, threshold: float | None = None, fact_checks: bool | Sequence[str] = True):
        self.inner = similarity
        self.threshold = float(similarity.threshold if threshold is None else threshold)
        self.checks: tuple[str, ...] = CHECKS if fact_checks is True else tuple(fact_checks or ())
        unknown = set(self.checks) - set(CHECKS)
        if unknown:
            raise ValueError(f"unknown fact checks {sorted(unknown)}; known: {', '.join(CHECKS)}")
        self.costly = bool(getattr(similarity, "costly", False))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def description(self) -> str:
        """For reports: the method and whether (and which) fact checks guard it."""
        checks = "all" if self.checks == CHECKS else (", ".join(self.checks) or "none")
        return f"{self.inner.name} (fact checks: {checks})"

    def prepare(self, statements: Sequence[str], denied: Sequence[bool] | None = None) -> list[Checked]:
        """``denied[i]``: statement i is a denied claim (its polarity is flipped; see ``facts``)."""
        flags = denied if denied is not None else [False] * len(statements)
        inner = self.inner.prepare(statements)
        return [Checked(p, s, bool(d)) for p, s, d in zip(inner, statements, flags)]

    def conflict(self, a: Checked, b: Checked) -> Conflict | None:
        if not self.checks or a.statement == b.statement:
            return None
        if a.signature is not None and a.signature == b.signature:
            return None  # the same fact-bearing words: the same facts (``fact_signature``)
        if not may_conflict(a.statement, b.statement):
            return None  # no kind of fact on both sides that could disagree (``outline_of``)
        return find_conflict(a.facts, b.facts, self.checks)

    def score(self, a: Checked, b: Checked) -> float:
        return 0.0 if self.conflict(a, b) is not None else self.inner.score(a.inner, b.inner)

    def compare(self, a: Checked, b: Checked) -> Verdict:
        return self.compare_pairs([(a, b)])[0]

    def compare_pairs(self, pairs: Sequence[tuple[Checked, Checked]], cut: float | None = None) -> list[Verdict]:
        """Verdicts for many pairs at ``cut`` (default: the threshold), scored in one batch.

        A costly method is asked only about pairs the fact checks let through; otherwise
        the facts are checked only for pairs that reach the cut (``cut=0``: every pair).
        """
        cut = self.threshold if cut is None else cut
        if self.costly:
            conflicts = [self.conflict(a, b) for a, b in pairs]
            ask = [i for i, c in enumerate(conflicts) if c is None]
            scores = [0.0] * len(pairs)
            for i, s in zip(ask, score_pairs(self.inner, [(pairs[i][0].inner, pairs[i][1].inner) for i in ask])):
                scores[i] = float(s)
        else:
            scores = [float(s) for s in score_pairs(self.inner, [(a.inner, b.inner) for a, b in pairs])]
            conflicts = [self.conflict(a, b) if s >= cut else None for (a, b), s in zip(pairs, scores)]
        return [Verdict(s, c, c is None and s >= cut) for s, c in zip(scores, conflicts)]

    def score_pairs(self, pairs: Sequence[tuple[Checked, Checked]]) -> list[float]:
        return [0.0 if v.conflict else v.score for v in self.compare_pairs(pairs, cut=0.0)]

    def vectors(self, statements: Sequence[str]) -> Any:
        """The method's embeddings (TypeError for a method without them: check ``has_vectors`` first)."""
        fn = getattr(self.inner, "vectors", None)
        if fn is None:
            raise TypeError(f"similarity {self.inner.name!r} has no vectors")
        return fn(statements)

    @property
    def dim(self) -> int | None:
        return getattr(self.inner, "dim", None)

    def stats(self) -> dict[str, Any]:
        """Requests, tokens, cache hits, cost of the method (empty for an offline one)."""
        fn = getattr(self.inner, "stats", None)
        return dict(fn()) if fn else {}
