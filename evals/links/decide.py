"""Which candidate pairs become links: the offline score, then the fact checks, and on the
borderline (with ``--similarity judge``) the LLM judge.

- Offline: a pair links when its score reaches the threshold and the fact checks find no
  conflict between the two statements. Polarity does not veto (``similarity_seam.OPPOSING``):
  "X shot down the plane" and "X did not shoot down the plane" are one proposition with
  different certainty (GUIDELINES §13 L2); the pair links and is marked ``opposed`` (which
  side negates), so that the cluster shows the conflict.
- With the judge: a pair scoring at or above ``threshold + margin`` links unless vetoed; a
  pair in the band ``[threshold - margin, threshold + margin)`` that the fact checks let
  through links when the judge finds the same truth conditions in both orders; below the
  band, never. The band is where the offline score is least sure (on the gold claims,
  true and false links are interleaved from 0.3 to 0.6); far from it the judge would
  mostly repeat the score, at a request per pair.

Facts are read only for pairs that reach the lower edge (the threshold itself offline), as
``FactChecked.compare_pairs`` reads them only for pairs reaching its cut: most candidates of
a large corpus score far below it and never cost a fact check. A vetoed pair is also a
cannot-link for the clustering (``clustering.cluster_apart``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from claims.evals.links.clustering import components
from claims.evals.links.similarity_seam import OPPOSED, PairChecks, judge_pairs


@dataclass
class Decision:
    link: np.ndarray  # per candidate pair: linked
    vetoed: np.ndarray  # per candidate pair: ruled out by a fact check
    vetoes: dict[str, int] = field(default_factory=dict)  # vetoed pairs by check
    # per candidate pair: 0, or which statement negates the other's proposition (1: i's, 2: j's)
    opposed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    band: tuple[float, float] | None = None  # the judge's band, [low, high)
    asked: int = 0  # pairs put to the judge
    judged_same: int = 0  # of those, the pairs it linked


def decide(statements: Sequence[str], denied: np.ndarray, i: np.ndarray, j: np.ndarray, score: np.ndarray,
           threshold: float, checks: PairChecks, *, judge: Any = None, margin: float = 0.0) -> Decision:
    """``denied[m]``: mention m is a denial (its statement is the rejected proposition)."""
    n = len(statements)
    low, high = (max(0.0, threshold - margin), threshold + margin) if judge is not None else (threshold, threshold)
    reach = np.flatnonzero(score >= low)
    vetoed = np.zeros(len(i), dtype=bool)
    opposed = np.zeros(len(i), dtype=np.int8)
    vetoes: Counter[str] = Counter()
    if checks.checks and len(reach):
        group = components(n, i[reach], j[reach])  # the clusters these pairs would make
        for p, c in zip(reach.tolist(), checks.conflicts(statements, denied, i[reach], j[reach], group)):
            if c is None:
                continue
            if c.check == OPPOSED:
                opposed[p] = 2 if c.left == "affirmative" else 1  # the side whose negator counted
            else:
                vetoed[p] = True
                vetoes[c.check] += 1
    link = (score >= high) & ~vetoed
    decision = Decision(link=link, vetoed=vetoed, vetoes=dict(sorted(vetoes.items())), opposed=opposed)
    if judge is not None:
        band = np.flatnonzero((score >= low) & (score < high) & ~vetoed)
        same = judge_pairs(judge, statements, i[band], j[band])
        link[band[same]] = True
        decision.band = (round(low, 6), round(high, 6))
        decision.asked, decision.judged_same = len(band), int(same.sum())
    return decision
