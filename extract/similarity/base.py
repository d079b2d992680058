"""The similarity interface: one small protocol that the eval matcher, chunk dedupe and
the cross-article linker all call, whatever the method behind it.

A ``Similarity`` turns statements into prepared values in one batched call (tokens,
an embedding, nothing at all for a judge) and scores two prepared values in [0, 1];
``threshold`` is its calibrated default cut-off (score >= threshold: same claim).
Batching is the point: an embedding model or an LLM is fast per batch and slow per
statement. Two optional capabilities:

- ``VectorSimilarity``: ``vectors(statements)`` gives L2-normalised float32 rows whose
  dot product is ``score``; the linker builds approximate-nearest-neighbour candidates
  from them over a million claims;
- ``PairwiseSimilarity``: ``score_pairs(pairs)`` scores many pairs at once, for methods
  whose cost is per pair (an LLM judge answers them concurrently).

``costly`` tells a caller that every scored pair costs a request: score only the pairs
that can matter (the matcher then scores only pairs whose quotes already agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Similarity(Protocol):
    """Similarity in [0, 1] of two stand-alone statements; deterministic for a given method and model."""

    name: str  # the method and its model, e.g. "lexical", "embedding:wordllama-l2_supercat-256"
    threshold: float  # calibrated default: score >= threshold is a match
    costly: bool  # True when each scored pair costs a request (an LLM judge)

    def prepare(self, statements: Sequence[str]) -> list[Any]:
        """Per-statement work done once, in one batch, reused for every pair."""
        ...

    def score(self, a: Any, b: Any) -> float:
        """Similarity of two prepared statements."""
        ...


@runtime_checkable
class VectorSimilarity(Similarity, Protocol):
    dim: int

    def vectors(self, statements: Sequence[str]) -> Any:
        """An (n, dim) float32 numpy array, rows L2-normalised: ``score`` is their dot product mapped to [0, 1]."""
        ...


@runtime_checkable
class PairwiseSimilarity(Similarity, Protocol):
    def score_pairs(self, pairs: Sequence[tuple[Any, Any]]) -> list[float]:
        """``score`` for many pairs at once (concurrent requests, one cache)."""
        ...


def score_pairs(similarity: Similarity, pairs: Sequence[tuple[Any, Any]]) -> list[float]:
    """Scores for many prepared pairs: batched where the method can, one by one otherwise."""
    batched = getattr(similarity, "score_pairs", None)
    if batched is not None:
        return list(batched(pairs))
    return [similarity.score(a, b) for a, b in pairs]


def has_vectors(similarity: Similarity) -> bool:
    """Whether ``similarity.vectors`` works (a fact-checked wrapper has it when its method does)."""
    return callable(getattr(getattr(similarity, "inner", similarity), "vectors", None))
