"""Calibrating statement similarity on the contrast set: each method's AUC, threshold and accuracy.

The rules (also in the README):

- **threshold**: the highest cut-off at which the method, behind the fact checks,
  accepts at least ``PARAPHRASE_TARGET`` (95%) of the *dev* pairs that should match
  (written paraphrases and double-labelling pairs), rounded down to 0.01. Missing a
  true match costs a correct extraction its credit and lowers the annotator ceiling;
  among the cut-offs that keep paraphrases, the highest rejects the most contrasts.
- **default method**: among the methods that need no server (``lexical``,
  ``embedding`` with wordllama), the one that accepts the fewest *dev* contrasts at its
  threshold; ties go to the higher dev AUC, then to the cheaper (lexical) method.

Accuracy, acceptance and AUC are reported on dev and on test, so the choice can be seen
not to hinge on the half it was made on. AUC is the Mann-Whitney probability that a
matching pair scores above a contrast (ties count a half), for the bare score and for
the fact-checked one (a conflict scores 0).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import rankdata

from claims.evals.contrast import CATEGORIES, DOUBLE, ContrastPair

PARAPHRASE_TARGET = 0.95
OFFLINE_METHODS = ("lexical", "embedding")
SPLITS = ("dev", "test", "all")


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """P(score of a positive > score of a negative), ties a half; None without both classes."""

    n_pos = sum(1 for x in labels if x)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(scores)
    rank_sum = sum(r for r, x in zip(ranks, labels) if x)
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def threshold_for(scores_of_matches: Sequence[float], target: float = PARAPHRASE_TARGET) -> float:
    """The highest cut-off (rounded down to 0.01) that accepts at least ``target`` of these scores.

    A vetoed pair (fact conflict) is passed as -inf: no cut-off accepts it.
    """
    ordered = sorted(scores_of_matches, reverse=True)
    if not ordered:
        return 0.0
    keep = math.ceil(target * len(ordered))
    cut = ordered[keep - 1]
    if cut == -math.inf:
        finite = [s for s in ordered if s != -math.inf]
        cut = finite[-1] if finite else 0.0
    return math.floor(cut * 100 + 1e-9) / 100


@dataclass
class SplitScores:
    """Acceptance rates on one half (dev or test)."""

    n: int = 0
    accuracy: float = 0.0
    paraphrase_acceptance: float = 0.0  # written paraphrases and double-labelling pairs
    contrast_acceptance: float = 0.0  # every other category
    auc: float | None = None  # of the bare score
    auc_checked: float | None = None  # fact-checked: a conflict scores 0
    by_category: dict[str, float] = field(default_factory=dict)  # acceptance per category


@dataclass
class MethodCalibration:
    method: str  # lexical, embedding, judge
    name: str  # with the model, e.g. embedding:wordllama-l2_supercat-256
    threshold: float
    splits: dict[str, SplitScores]
    seconds: float
    usage: dict[str, Any] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)  # fact check -> pairs it vetoed
    accepted_contrasts: list[str] = field(default_factory=list)  # test-half contrast ids accepted
    rejected_matches: list[str] = field(default_factory=list)  # test-half matching ids rejected


def _split_scores(pairs: list[ContrastPair], raw: list[float], checked: list[float], threshold: float) -> SplitScores:
    accepted = [c >= threshold for c in checked]
    pos = [a for a, p in zip(accepted, pairs) if p.match]
    neg = [a for a, p in zip(accepted, pairs) if not p.match]
    by_cat: dict[str, float] = {}
    for cat in (*CATEGORIES, DOUBLE):
        xs = [a for a, p in zip(accepted, pairs) if p.category == cat]
        if xs:
            by_cat[cat] = sum(xs) / len(xs)
    labels = [p.match for p in pairs]
    correct = sum(a == p.match for a, p in zip(accepted, pairs))
    return SplitScores(
        n=len(pairs), accuracy=correct / len(pairs) if pairs else 0.0,
        paraphrase_acceptance=sum(pos) / len(pos) if pos else 0.0,
        contrast_acceptance=sum(neg) / len(neg) if neg else 0.0,
        auc=auc(labels, raw), auc_checked=auc(labels, [max(c, 0.0) for c in checked]), by_category=by_cat,
    )


def calibrate_method(method: str, similarity: Any, pairs: list[ContrastPair], threshold: float | None = None) -> MethodCalibration:
    """Score every pair with a fact-checked similarity; choose the threshold on dev unless given."""
    t0 = time.perf_counter()
    prepared = similarity.prepare([s for p in pairs for s in (p.a, p.b)])
    verdicts = similarity.compare_pairs([(prepared[2 * i], prepared[2 * i + 1]) for i in range(len(pairs))], cut=0.0)
    seconds = time.perf_counter() - t0
    raw = [v.score for v in verdicts]
    checked = [-math.inf if v.conflict else v.score for v in verdicts]
    if threshold is None:
        threshold = threshold_for([c for c, p in zip(checked, pairs) if p.match and p.split == "dev"])
    splits = {}
    for split in SPLITS:
        idx = [i for i, p in enumerate(pairs) if split in (p.split, "all")]
        splits[split] = _split_scores([pairs[i] for i in idx], [raw[i] for i in idx], [checked[i] for i in idx], threshold)
    conflicts: dict[str, int] = {}
    for v in verdicts:
        if v.conflict:
            conflicts[v.conflict.check] = conflicts.get(v.conflict.check, 0) + 1
    test = [i for i, p in enumerate(pairs) if p.split == "test"]
    return MethodCalibration(
        method=method, name=similarity.name, threshold=threshold, splits=splits, seconds=seconds,
        usage=similarity.stats(), conflicts=conflicts,
        accepted_contrasts=[pairs[i].id for i in test if not pairs[i].match and checked[i] >= threshold],
        rejected_matches=[pairs[i].id for i in test if pairs[i].match and checked[i] < threshold],
    )


def choose_default(results: list[MethodCalibration]) -> MethodCalibration | None:
    """The offline method with the fewest dev contrasts accepted, then the higher dev AUC, then the cheaper."""
    offline = [r for r in results if r.method in OFFLINE_METHODS]
    if not offline:
        return None
    return min(offline, key=lambda r: (round(r.splits["dev"].contrast_acceptance, 6),
                                       -(r.splits["dev"].auc_checked or 0.0), OFFLINE_METHODS.index(r.method)))
