"""Clusters from scored candidate pairs: the connected components of the pairs at or above
the similarity threshold (single link).

Single link is what a reader of a story expects: if outlet A's wording matches B's and B's
matches C's, all three carry one claim, even when A's and C's wordings share little (on the
gold claims it beat average and complete link at every threshold tried). It is linear in
the number of pairs (scipy's connected components), so it scales with the candidates. Its
risk is chaining two claims through a bridge; the similarity layer's fact checks (numbers,
dates, polarity, actors) are what stop a bridge, by scoring such a pair 0.
"""

from __future__ import annotations

import numpy as np


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Cluster number per mention, numbered in order of each cluster's first mention."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, raw = connected_components(graph, directed=False)
    # renumber by first appearance so that outputs do not depend on scipy's numbering
    _, first = np.unique(raw, return_index=True)
    order = np.empty(len(first), dtype=np.int64)
    order[np.argsort(first)] = np.arange(len(first))
    return order[raw]


def cluster(n: int, i: np.ndarray, j: np.ndarray, score: np.ndarray, threshold: float) -> np.ndarray:
    keep = score >= threshold
    return components(n, i[keep], j[keep])
