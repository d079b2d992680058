"""Bootstrap intervals and paired tests: seeded, contain the point, narrow with more articles."""

from __future__ import annotations

import numpy as np
import pytest

from claims.evals.stats import ArticleCounts, approximate_randomization, bootstrap_headline, paired_bootstrap, prf_arrays


def counts(tp: list[int], fp: list[int], fn: list[int]) -> ArticleCounts:
    t, f, n = (np.asarray(x, dtype=float) for x in (tp, fp, fn))
    f1 = prf_arrays(t, f, n)[2]
    return ArticleCounts(tp=t, fp=f, fn=n, atp=t, afp=f, afn=n, f1=f1)


def random_counts(n: int, seed: int) -> ArticleCounts:
    rng = np.random.default_rng(seed)
    tp = rng.integers(0, 6, n)
    return counts(tp.tolist(), rng.integers(0, 3, n).tolist(), rng.integers(0, 3, n).tolist())


def test_prf_arrays_conventions() -> None:
    p, r, f = prf_arrays(np.array([0.0, 0, 2]), np.array([0.0, 3, 1]), np.array([0.0, 0, 1]))
    assert p.tolist() == [1.0, 0.0, pytest.approx(2 / 3)]
    assert f.tolist() == [1.0, 0.0, pytest.approx(2 / 3)]


def test_point_estimates_hand_computed() -> None:
    h = bootstrap_headline(counts([2, 0], [1, 0], [0, 2]), resamples=0)
    assert h["precision"].value == pytest.approx(2 / 3) and h["recall"].value == pytest.approx(0.5)
    assert h["macro_f1"].value == pytest.approx((0.8 + 0.0) / 2)
    assert h["f1"].ci is None


def test_ci_contains_point_and_narrows() -> None:
    small = bootstrap_headline(random_counts(20, 1), resamples=500, seed=3)
    large = bootstrap_headline(random_counts(2000, 1), resamples=500, seed=3)
    for h in (small, large):
        for e in h.values():
            assert e.ci is not None and e.ci.low <= e.value <= e.ci.high
    width = lambda e: e.ci.high - e.ci.low  # noqa: E731
    assert width(large["f1"]) < width(small["f1"]) / 3


def test_seeded_and_deterministic() -> None:
    c = random_counts(50, 7)
    assert bootstrap_headline(c, resamples=200, seed=5) == bootstrap_headline(c, resamples=200, seed=5)
    assert bootstrap_headline(c, resamples=200, seed=5) != bootstrap_headline(c, resamples=200, seed=6)


def test_all_identical_articles_have_zero_width() -> None:
    h = bootstrap_headline(counts([1] * 10, [1] * 10, [0] * 10), resamples=100)
    assert h["precision"].ci.low == h["precision"].ci.high == pytest.approx(0.5)  # type: ignore[union-attr]


def test_paired_tests_identical_runs() -> None:
    c = random_counts(30, 2)
    pb = paired_bootstrap(c, c, resamples=300)
    ar = approximate_randomization(c, c, resamples=300)
    assert pb.observed_delta == 0 and pb.lower_bound == 0 and pb.p_value == 1.0
    assert ar.p_value == 1.0


def test_paired_tests_clearly_better_head() -> None:
    base = counts([1] * 40, [3] * 40, [3] * 40)
    head = counts([4] * 40, [0] * 40, [0] * 40)
    pb = paired_bootstrap(base, head, resamples=500, confidence=0.95)
    assert pb.observed_delta == pytest.approx(0.75)
    assert pb.lower_bound is not None and pb.lower_bound > 0.5 and pb.p_value == 0.0
    ar = approximate_randomization(base, head, resamples=500)
    assert ar.p_value == pytest.approx(1 / 501)


def test_paired_needs_same_articles() -> None:
    with pytest.raises(ValueError):
        paired_bootstrap(random_counts(3, 1), random_counts(4, 1))
