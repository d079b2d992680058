"""Coreference scores of a claim partition against a gold partition: MUC, B-cubed, CEAF-e,
their CoNLL-2012 average, and pairwise (link) precision / recall / F1.

A partition is a list of clusters, each a set of hashable mention ids. The key (gold) and
the response (prediction) may hold different mentions: a gold claim the run missed is in
the key only, a spurious prediction in the response only ("twinless" mentions), and every
score treats them as the reference scorer does. Each formula and edge case is that of the
`scorch` package (Grobol's implementation of Pradhan et al. 2014), and the tests compare
both on random partitions:

- MUC: 0 when every key or every response cluster is a singleton (as the reference scorer).
- B-cubed: 0 on a side with no mentions.
- CEAF-e: Luo's (2005) entity similarity 2|k∩r| / (|k| + |r|), optimal one-to-one alignment;
  solved per connected group of overlapping clusters, which gives the same optimum as one
  big assignment (clusters that share no mention score 0) at a fraction of the cost.
- pairwise: the coreference-link half of BLANC: links are unordered mention pairs in one
  cluster; 1 when neither side has a link, 0 when only one side has none.
F1 is the harmonic mean of P and R (0 when either is 0).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

Partition = Sequence[set[Hashable]] | Sequence[frozenset[Hashable]]


class PRF(BaseModel):
    model_config = ConfigDict(extra="forbid")

    precision: float
    recall: float
    f1: float


def _prf(p: float, r: float) -> PRF:
    f = 0.0 if p <= 0 or r <= 0 else 2 * p * r / (p + r)
    return PRF(precision=p, recall=r, f1=f)


def _owner(partition: Partition) -> dict[Hashable, int]:
    return {m: i for i, c in enumerate(partition) for m in c}


def _pieces(cluster: Iterable[Hashable], owner: dict[Hashable, int]) -> int:
    """How many parts the other partition cuts ``cluster`` into (unseen mentions: one each)."""
    seen: set[int] = set()
    alone = 0
    for m in cluster:
        o = owner.get(m)
        if o is None:
            alone += 1
        else:
            seen.add(o)
    return len(seen) + alone


def muc(key: Partition, response: Partition) -> PRF:
    if all(len(k) == 1 for k in key) or all(len(r) == 1 for r in response):
        return PRF(precision=0.0, recall=0.0, f1=0.0)
    ko, ro = _owner(key), _owner(response)
    r = sum(len(k) - _pieces(k, ro) for k in key) / sum(len(k) - 1 for k in key)
    p = sum(len(c) - _pieces(c, ko) for c in response) / sum(len(c) - 1 for c in response)
    return _prf(p, r)


def _overlaps(key: Partition, response: Partition) -> Counter[tuple[int, int]]:
    """|k ∩ r| for every (key cluster, response cluster) pair that shares a mention."""
    ro = _owner(response)
    out: Counter[tuple[int, int]] = Counter()
    for i, k in enumerate(key):
        for m in k:
            j = ro.get(m)
            if j is not None:
                out[i, j] += 1
    return out


def b_cubed(key: Partition, response: Partition) -> PRF:
    inter = _overlaps(key, response)
    nk, nr = sum(len(k) for k in key), sum(len(c) for c in response)
    r = sum(n * n / len(key[i]) for (i, _), n in inter.items()) / nk if nk else 0.0
    p = sum(n * n / len(response[j]) for (_, j), n in inter.items()) / nr if nr else 0.0
    return _prf(p, r)


def _groups(pairs: Iterable[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    """Connected groups of the bipartite overlap graph (union-find over key and response ids)."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        a, b = find(("k", i)), find(("r", j))
        if a != b:
            parent[a] = b
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for node in list(parent):
        side, idx = node
        groups[find(node)][0 if side == "k" else 1].append(idx)
    return list(groups.values())


def ceaf_e(key: Partition, response: Partition) -> PRF:
    if not key or not response:
        return PRF(precision=0.0, recall=0.0, f1=0.0)
    from scipy.optimize import linear_sum_assignment

    inter = _overlaps(key, response)
    total = 0.0
    for ks, rs in _groups(inter):
        sim = np.zeros((len(ks), len(rs)))
        for a, i in enumerate(ks):
            for b, j in enumerate(rs):
                n = inter.get((i, j), 0)
                if n:
                    sim[a, b] = 2 * n / (len(key[i]) + len(response[j]))
        rows, cols = linear_sum_assignment(sim, maximize=True)
        total += float(sim[rows, cols].sum())
    return _prf(total / len(response), total / len(key))


def _links(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def pairwise(key: Partition, response: Partition) -> PRF:
    ck, cr = _links(len(k) for k in key), _links(len(c) for c in response)
    if ck == 0 and cr == 0:
        return PRF(precision=1.0, recall=1.0, f1=1.0)
    if ck == 0 or cr == 0:
        return PRF(precision=0.0, recall=0.0, f1=0.0)
    tp = _links(_overlaps(key, response).values())
    return _prf(tp / cr, tp / ck)


def conll(key: Partition, response: Partition) -> float:
    """The CoNLL-2012 score: the mean of MUC, B-cubed and CEAF-e F1."""
    return (muc(key, response).f1 + b_cubed(key, response).f1 + ceaf_e(key, response).f1) / 3


def partition(labels: dict[Hashable, Hashable]) -> list[set[Hashable]]:
    """Mention -> cluster label, as a partition (clusters in order of first appearance)."""
    out: dict[Hashable, set[Hashable]] = {}
    for m, lab in labels.items():
        out.setdefault(lab, set()).add(m)
    return list(out.values())
