"""Link metrics: hand-computed cases, then equality with the reference scorer `scorch` on
random partitions (different mention sets on the two sides included)."""

from __future__ import annotations

import random
import statistics

import pytest

from claims.evals.links import metrics as M

scorch = pytest.importorskip("scorch.scores")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scorch divides by a numpy zero


def test_hand_computed_example():
    # Pradhan et al. (2014)-style toy: key {a b c} {d e}, response {a b} {c d e}
    key = [{"a", "b", "c"}, {"d", "e"}]
    resp = [{"a", "b"}, {"c", "d", "e"}]
    m = M.muc(key, resp)
    assert (m.recall, m.precision) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    b = M.b_cubed(key, resp)
    # recall: a,b: 2/3 each, c: 1/3, d,e: 1 each -> (2/3+2/3+1/3+1+1)/5
    assert b.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 2) / 5)
    assert b.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    c = M.ceaf_e(key, resp)
    # best alignment: {abc}-{ab} 0.8 and {de}-{cde} 0.8
    assert c.recall == pytest.approx(0.8) and c.precision == pytest.approx(0.8)
    p = M.pairwise(key, resp)
    # key links ab ac bc de (4); response links ab cd ce de (4); common ab de
    assert (p.precision, p.recall) == (pytest.approx(0.5), pytest.approx(0.5))
    assert M.conll(key, resp) == pytest.approx((m.f1 + b.f1 + c.f1) / 3)


def test_identical_and_all_singletons():
    key = [{1, 2, 3}, {4}, {5, 6}]
    assert M.conll(key, key) == pytest.approx(1.0)
    assert M.pairwise(key, key).f1 == 1.0
    singles = [{i} for i in range(1, 7)]
    assert M.muc(key, singles).f1 == 0.0  # no links predicted: MUC is 0 by definition
    assert M.pairwise(key, singles).f1 == 0.0
    assert M.b_cubed(singles, singles).f1 == 1.0
    assert M.pairwise(singles, singles).f1 == 1.0  # nothing to link, nothing linked


def test_twinless_mentions():
    key = [{"g1", "g2"}, {"g3"}]
    resp = [{"g1", "g2", "p9"}]  # g3 missed, p9 spurious
    b = M.b_cubed(key, resp)
    assert b.recall == pytest.approx((1 + 1 + 0) / 3)
    assert b.precision == pytest.approx((2 / 3) * 2 / 3 + 0)  # p9 overlaps no key cluster


def test_empty_sides():
    assert M.ceaf_e([], [{1}]).f1 == 0.0
    assert M.b_cubed([{1}], []).f1 == 0.0


def _random_partition(rng: random.Random, mentions: list[int]) -> list[set[int]]:
    n_clusters = rng.randint(1, max(1, len(mentions)))
    labels = {m: rng.randrange(n_clusters) for m in mentions}
    # bias towards singletons and a few big clusters, like claim links
    for m in mentions:
        if rng.random() < 0.5:
            labels[m] = ("s", m)
    return M.partition(labels)


@pytest.mark.parametrize("seed", range(300))
def test_equal_to_scorch_on_random_partitions(seed: int):
    rng = random.Random(seed)
    n = rng.randint(1, 40)
    universe = list(range(n + 10))
    key_m = rng.sample(universe, n)
    # the response shares most mentions with the key, misses some and adds some
    resp_m = [m for m in key_m if rng.random() < 0.85] + [m for m in universe if m not in key_m and rng.random() < 0.3]
    if not resp_m:
        resp_m = key_m[:1]
    key, resp = _random_partition(rng, key_m), _random_partition(rng, resp_m)
    for ours, ref in ((M.muc, scorch.muc), (M.b_cubed, scorch.b_cubed), (M.ceaf_e, scorch.ceaf_e)):
        got = ours(key, resp)
        try:
            r, p, f = ref(key, resp)
        except statistics.StatisticsError:
            # scorch's harmonic mean of a numpy 0.0 raises instead of returning 0 (a zero score)
            assert got.f1 == 0.0 and 0.0 in (got.precision, got.recall)
            continue
        assert (got.recall, got.precision, got.f1) == (pytest.approx(r, abs=1e-12), pytest.approx(p, abs=1e-12),
                                                       pytest.approx(f, abs=1e-12)), ours.__name__
    try:
        assert M.conll(key, resp) == pytest.approx(scorch.conll2012(key, resp), abs=1e-12)
    except statistics.StatisticsError:
        pass  # the same scorch crash as above; each part was checked
    coref, _ = scorch.detailed_blanc(key, resp)
    if coref is not None and not (len(key) == len(resp) == 1 and len(key[0]) == len(resp[0]) == 1):
        got = M.pairwise(key, resp)
        assert (got.recall, got.precision, got.f1) == tuple(pytest.approx(v, abs=1e-12) for v in coref)
