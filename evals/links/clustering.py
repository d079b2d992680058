"""Clusters from the linked pairs: connected components (single link), kept apart where
the fact checks ruled a pair out.

Single link is what a reader of a story expects: if outlet A's wording matches B's and B's
matches C's, all three carry one claim, even when A's and C's wordings share little (on the
gold claims it beat average and complete link at every threshold tried). It is linear in
the number of pairs (scipy's connected components), so it scales with the candidates.

Its risk is a bridge: "12 people were injured" and "21 people were injured" both link to
"people were injured", which states neither number. A pair the fact checks vetoed is a
*cannot-link*: in a component that would hold both ends of one, the links are replayed
strongest first (Kruskal's order) and a link that would join the two sides of a cannot-link
is refused, so the bridge joins the side it is closer to. Only those components are
replayed (a few, in Python); the rest stay scipy's.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def _by_first_mention(raw: np.ndarray) -> np.ndarray:
    """Renumber cluster ids in order of each cluster's first mention, so that outputs do not
    depend on how the components were found."""
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    order = np.empty(len(first), dtype=np.int64)
    order[np.argsort(first)] = np.arange(len(first))
    return order[inverse.ravel()]


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Cluster number per mention, numbered in order of each cluster's first mention."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, raw = connected_components(graph, directed=False)
    return _by_first_mention(raw)


def cluster(n: int, i: np.ndarray, j: np.ndarray, score: np.ndarray, threshold: float) -> np.ndarray:
    keep = score >= threshold
    return components(n, i[keep], j[keep])


def cluster_apart(n: int, i: np.ndarray, j: np.ndarray, score: np.ndarray, cannot_i: np.ndarray,
                  cannot_j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cluster number per mention, which links were refused) for the links (i, j) with
    their scores, never putting a cannot-link pair (cannot_i, cannot_j) in one cluster."""
    labels = components(n, i, j)
    refused = np.zeros(len(i), dtype=bool)
    if not len(cannot_i):
        return labels, refused
    # only the cannot-links inside one component tear it and constrain its replay: one reaching
    # into another component holds already, and reading it would cut its far end off its cluster
    inside = labels[cannot_i] == labels[cannot_j]
    torn = np.unique(labels[cannot_i][inside])
    if not len(torn):
        return labels, refused
    replay = np.flatnonzero(np.isin(labels[i], torn))
    replay = replay[np.argsort(-score[replay], kind="stable")]
    roots, refused_at = _kruskal_apart(i[replay].tolist(), j[replay].tolist(),
                                       zip(cannot_i[inside].tolist(), cannot_j[inside].tolist()))
    refused[replay[refused_at]] = True
    raw = labels.copy()
    offset = int(labels.max()) + 1
    for m, r in roots.items():
        raw[m] = offset + r
    return _by_first_mention(raw), refused


def _kruskal_apart(left: list[int], right: list[int], cannot: Iterable[tuple[int, int]]) -> tuple[dict[int, int], list[int]]:
    """Union-find over the links in the order given; each root keeps the roots it must not
    join. Returns each touched mention's root and the positions of the refused links."""
    parent: dict[int, int] = {}
    size: dict[int, int] = {}
    apart: dict[int, set[int]] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in cannot:
        apart.setdefault(find(a), set()).add(find(b))
        apart.setdefault(find(b), set()).add(find(a))
    refused: list[int] = []
    for pos, (a, b) in enumerate(zip(left, right)):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if rb in apart.get(ra, ()):
            refused.append(pos)
            continue
        if size.get(ra, 1) < size.get(rb, 1):
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] = size.get(ra, 1) + size.get(rb, 1)
        moved = apart.pop(rb, set())
        for other in moved:  # the absorbed root's partners now keep the new root apart
            partners = apart[other]
            partners.discard(rb)
            partners.add(ra)
        apart.setdefault(ra, set()).update(moved)
    return {m: find(m) for m in list(parent)}, refused
