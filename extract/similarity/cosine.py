"""Scores of L2-normalised vectors: the cosine, clipped to [0, 1] (unrelated statements sit near 0).

``CosineScores`` gives a method with a ``vectors`` method the rest of the protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def cosine(a: Any, b: Any) -> float:
    return max(0.0, min(1.0, float(a @ b)))


def cosine_pairs(pairs: Sequence[tuple[Any, Any]]) -> list[float]:
    """Many pairs in one vectorised product."""

    if not pairs:
        return []
    left = np.stack([a for a, _ in pairs])
    right = np.stack([b for _, b in pairs])
    return np.clip(np.einsum("ij,ij->i", left, right), 0.0, 1.0).tolist()


class CosineScores:
    """``prepare`` = rows of ``self.vectors``; ``score`` = their cosine (for embedding methods)."""

    def vectors(self, statements: Sequence[str]) -> Any:  # pragma: no cover - implemented by the method
        raise NotImplementedError

    def prepare(self, statements: Sequence[str]) -> list[Any]:
        return list(self.vectors(statements))

    def score(self, a: Any, b: Any) -> float:
        return cosine(a, b)

    def score_pairs(self, pairs: Sequence[tuple[Any, Any]]) -> list[float]:
        return cosine_pairs(pairs)
