"""Candidate pairs: each statement's nearest neighbours, so scoring grows ~n log n, not n².

Up to ``EXACT_MAX`` statements the neighbours are exact (blocked matrix products: cheap,
deterministic, nothing approximate about a gold set of a few hundred claims). Beyond it
they come from an HNSW graph (``hnswlib``, inner product on unit vectors): build and
query are ~n log n, and on 1,000,000 statements it was the fastest of the libraries
measured at equal recall (see benchmarks/link_scale.py and the README).
Pairs are returned once, ``i < j``, with the vectors' inner product.
"""

from __future__ import annotations

import numpy as np

from claims.kernel.errors import UserError

EXACT_MAX = 4096
DEFAULT_K = 10


def _unique_pairs(rows: np.ndarray, nbrs: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    i = np.repeat(rows, nbrs.shape[1])
    j, s = nbrs.ravel(), sims.ravel()
    keep = (j >= 0) & (i != j)
    i, j, s = i[keep], j[keep], s[keep]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo.astype(np.int64) * (int(hi.max(initial=0)) + 1) + hi
    _, first = np.unique(key, return_index=True)
    return lo[first], hi[first], s[first]


def exact_neighbours(v: np.ndarray, k: int, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    n = len(v)
    k = min(k, n - 1)
    nbrs = np.empty((n, k), dtype=np.int64)
    sims = np.empty((n, k), dtype=np.float32)
    for s in range(0, n, block):
        m = v[s : s + block] @ v.T
        m[np.arange(m.shape[0]), np.arange(s, s + m.shape[0])] = -np.inf  # not oneself
        top = np.argpartition(-m, k - 1, axis=1)[:, :k]
        nbrs[s : s + block] = top
        sims[s : s + block] = np.take_along_axis(m, top, axis=1)
    return nbrs, sims


def hnsw_neighbours(v: np.ndarray, k: int, *, threads: int = 0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    try:
        import hnswlib  # compiled extension: only when a corpus is big enough to need it
    except ImportError:
        raise UserError(f"linking {len(v):,} claims needs nearest-neighbour search: pip install 'claims[links]'") from None

    n, d = v.shape
    k = min(k, n - 1)
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=n, ef_construction=64, M=12, random_seed=seed)
    index.set_num_threads(threads if threads > 0 else -1)
    index.add_items(v, np.arange(n))
    index.set_ef(max(2 * k, 32))
    labels, dist = index.knn_query(v, k=k + 1)
    sims = 1.0 - dist  # hnswlib's "ip" distance is 1 - <a, b>
    own = labels == np.arange(n)[:, None]
    # drop oneself (or, when a duplicate crowds it out, the farthest neighbour)
    order = np.argsort(own, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(labels, order, axis=1).astype(np.int64), np.take_along_axis(sims, order, axis=1)


def candidate_pairs(v: np.ndarray, k: int = DEFAULT_K, *, exact_max: int = EXACT_MAX, threads: int = 0) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, str]:
    """(i, j, inner product, method) for every pair where one is among the other's k nearest."""
    n = len(v)
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32), "none"
    if n <= exact_max:
        nbrs, sims = exact_neighbours(v, k)
        method = "exact"
    else:
        nbrs, sims = hnsw_neighbours(v, k, threads=threads)
        method = "hnswlib"
    i, j, s = _unique_pairs(np.arange(n), nbrs, sims)
    return i, j, s, method
