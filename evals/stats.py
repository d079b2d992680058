"""Document-level bootstrap intervals and paired tests over articles.

Articles, not claims, are the unit of resampling: claims within one article are not
independent (one bad parse loses several), so resampling claims would give intervals
that are too narrow. Per-article counts (TP/FP/FN, attributed TP/FP/FN, article F1) are
computed once; each resample only sums counts with numpy, in blocks to bound memory.

- ``bootstrap_headline``: percentile intervals for micro P/R/F1, attributed P/R/F1 and
  macro F1.
- ``paired_bootstrap``: the same resampled articles for both runs; interval and
  one-sided lower bound of (head - base); two-sided p-value = 2 * min(share of
  resampled deltas <= 0, share >= 0), capped at 1.
- ``approximate_randomization``: swap each article's base/head counts with probability
  1/2; p = (1 + #{|delta_r| >= |delta_observed|}) / (1 + resamples).
All are seeded (numpy ``default_rng``) and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from claims.evals.results import ArticleResult, Estimate, HeadlineName, Interval, SignificanceTest

BLOCK_CELLS = 2_000_000  # resamples x articles per block


@dataclass
class ArticleCounts:
    """Per-article counts, one entry per gold article, in the same order for paired runs."""

    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    atp: np.ndarray
    afp: np.ndarray
    afn: np.ndarray
    f1: np.ndarray  # per-article F1, for macro F1

    @classmethod
    def from_articles(cls, articles: Sequence[ArticleResult]) -> "ArticleCounts":
        def arr(get) -> np.ndarray:  # type: ignore[no-untyped-def]
            return np.fromiter((get(a) for a in articles), dtype=np.float64, count=len(articles))

        return cls(
            tp=arr(lambda a: a.claims.tp), fp=arr(lambda a: a.claims.fp), fn=arr(lambda a: a.claims.fn),
            atp=arr(lambda a: a.attributed.tp), afp=arr(lambda a: a.attributed.fp), afn=arr(lambda a: a.attributed.fn),
            f1=arr(lambda a: a.claims.f1),
        )

    def matrix(self) -> np.ndarray:
        return np.stack([self.tp, self.fp, self.fn, self.atp, self.afp, self.afn, self.f1])

    @property
    def n(self) -> int:
        return int(self.tp.shape[0])


def prf_arrays(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised PRF with the project's convention: all-zero counts score 1.0."""
    empty = (tp + fp + fn) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 0.0)
        r = np.where(tp + fn > 0, tp / np.where(tp + fn > 0, tp + fn, 1), 0.0)
        f = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    return np.where(empty, 1.0, p), np.where(empty, 1.0, r), np.where(empty, 1.0, f)


def _headline_from_sums(s: np.ndarray, n: int) -> dict[HeadlineName, np.ndarray]:
    """``s`` has rows tp, fp, fn, atp, afp, afn, sum of f1 (as in ArticleCounts.matrix)."""
    p, r, f = prf_arrays(s[0], s[1], s[2])
    ap, ar, af = prf_arrays(s[3], s[4], s[5])
    macro = s[6] / n if n else np.ones_like(s[6])
    return {
        "precision": p, "recall": r, "f1": f,
        "attributed_precision": ap, "attributed_recall": ar, "attributed_f1": af,
        "macro_f1": macro,
    }


def _weight_blocks(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Bootstrap resamples as (b, n) matrices of how often each article was drawn.

    Drawing n article indices with replacement and counting them per article turns each
    resample's sums into one matrix product (weights @ counts), far cheaper than gathers.
    """
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_CELLS // max(n, 1))
    done = 0
    while done < resamples:
        b = min(block, resamples - done)
        idx = rng.integers(0, n, size=(b, n), dtype=np.int64)
        idx += (np.arange(b, dtype=np.int64) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        done += b


def _resampled_sums(m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(metrics, articles) counts and (b, articles) weights -> (metrics, b) sums."""
    return m @ w.T


def _interval(values: np.ndarray, confidence: float) -> Interval:
    alpha = 1.0 - confidence
    lo, hi = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return Interval(low=float(lo), high=float(hi), confidence=confidence)


def bootstrap_headline(counts: ArticleCounts, *, resamples: int = 1000, seed: int = 0, confidence: float = 0.95) -> dict[HeadlineName, Estimate]:
    m = counts.matrix()
    point = {k: float(v) for k, v in _headline_from_sums(m.sum(axis=1), counts.n).items()}
    if counts.n == 0 or resamples <= 0:
        return {k: Estimate(value=v) for k, v in point.items()}  # type: ignore[misc]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in point}
    for w in _weight_blocks(counts.n, resamples, seed):
        for k, v in _headline_from_sums(_resampled_sums(m, w), counts.n).items():
            parts[k].append(v)
    return {
        k: Estimate(value=point[k], ci=_interval(np.concatenate(parts[k]), confidence))  # type: ignore[misc]
        for k in point
    }


METRIC_ROWS = {"f1": (0, 1, 2), "attributed_f1": (3, 4, 5)}


def _f1_rows(s: np.ndarray, metric: str) -> np.ndarray:
    a, b, c = METRIC_ROWS[metric]
    return prf_arrays(s[a], s[b], s[c])[2]


def _paired(base: ArticleCounts, head: ArticleCounts, metric: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Both runs' count matrices and the observed delta (head - base) of ``metric``."""
    if base.n != head.n:
        raise ValueError("paired tests need the same articles in both runs")
    mb, mh = base.matrix(), head.matrix()
    return mb, mh, float(_f1_rows(mh.sum(axis=1), metric) - _f1_rows(mb.sum(axis=1), metric))


def paired_bootstrap(
    base: ArticleCounts, head: ArticleCounts, *, metric: str = "f1", resamples: int = 1000, seed: int = 0, confidence: float = 0.95
) -> SignificanceTest:
    mb, mh, observed = _paired(base, head, metric)
    if base.n == 0 or resamples <= 0:
        return SignificanceTest(method="paired_bootstrap", metric=metric, observed_delta=observed, p_value=1.0,
                                resamples=0, seed=seed)
    deltas = np.concatenate([
        _f1_rows(_resampled_sums(mh, w), metric) - _f1_rows(_resampled_sums(mb, w), metric)
        for w in _weight_blocks(base.n, resamples, seed)
    ])
    p = min(1.0, 2.0 * min(float(np.mean(deltas <= 0)), float(np.mean(deltas >= 0))))
    lower = float(np.percentile(deltas, 100 * (1 - confidence)))
    return SignificanceTest(
        method="paired_bootstrap", metric=metric, observed_delta=observed, p_value=p,
        ci=_interval(deltas, confidence), lower_bound=lower, resamples=resamples, seed=seed,
    )


def approximate_randomization(
    base: ArticleCounts, head: ArticleCounts, *, metric: str = "f1", resamples: int = 1000, seed: int = 0
) -> SignificanceTest:
    mb, mh, observed = _paired(base, head, metric)
    if base.n == 0 or resamples <= 0:
        return SignificanceTest(method="approximate_randomization", metric=metric, observed_delta=observed,
                                p_value=1.0, resamples=0, seed=seed)
    rng = np.random.default_rng(seed)
    n = base.n
    block = max(1, BLOCK_CELLS // n)
    hits, done = 0, 0
    diff = mh - mb  # swapping an article moves its counts from head to base and back
    tot_b, tot_h = mb.sum(axis=1), mh.sum(axis=1)
    while done < resamples:
        b = min(block, resamples - done)
        swap = rng.random((b, n)) < 0.5
        moved = swap.astype(np.float64) @ diff.T  # (b, metrics): head counts given to base
        sh = (tot_h[None, :] - moved).T
        sb = (tot_b[None, :] + moved).T
        d = _f1_rows(sh, metric) - _f1_rows(sb, metric)
        hits += int(np.sum(np.abs(d) >= abs(observed) - 1e-12))
        done += b
    return SignificanceTest(
        method="approximate_randomization", metric=metric, observed_delta=observed,
        p_value=(hits + 1) / (resamples + 1), resamples=resamples, seed=seed,
    )


# Public names for other scorers that resample articles the same way (claim links).
weight_blocks = _weight_blocks
percentile_interval = _interval
