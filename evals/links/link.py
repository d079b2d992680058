"""Claims in -> clusters out: similarity, candidates, clusters, then each cluster's
canonical statement, first appearance, conflicts and relays.

The work is array-shaped (one row per claim) so that a million claims link in minutes:
statements are prepared once, candidate pairs come from nearest neighbours, their scores
from one batched call, the fact checks (and the judge, if asked) only for the pairs that
can link (``decide``), clusters from connected components kept apart where a fact check
vetoed a pair. Cluster records are built one at a time by ``iter_clusters`` (largest
first) and written as they come, never all held at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from claims.evals.links.appearance import order_key
from claims.evals.links.candidates import DEFAULT_K, EXACT_MAX, candidate_pairs
from claims.evals.links.clustering import cluster_apart, components
from claims.evals.links.conflicts import conflicts, rejects
from claims.evals.links.decide import decide
from claims.evals.links.inputs import LinkInput, Mention
from claims.evals.links.relays import chain, intermediaries
from claims.evals.links.schema import ClusterRecord, JudgeUse, LinkManifest, Member, MemberRef, Relay
from claims.evals.links.similarity_seam import DEFAULT_METHOD, JUDGE_MARGIN, PairChecks, load_judge, load_similarity
from claims.kernel.schema import Claimant, Span


@dataclass
class LinkOptions:
    similarity: str = DEFAULT_METHOD
    threshold: float | None = None  # with the judge: the offline method's, the centre of the band
    k: int = DEFAULT_K
    exact_max: int = EXACT_MAX
    threads: int = 0  # for the nearest-neighbour index, and processes for the fact checks (0: every core)
    fact_checks: bool = True
    judge_margin: float = JUDGE_MARGIN
    # a server for --similarity judge (or embedding): model, base_url, cache_dir, jobs, price_table
    server: dict[str, Any] = field(default_factory=dict)


@dataclass
class Linking:
    """The outcome of linking, array-shaped: ``labels[m]`` is mention m's cluster number."""

    data: LinkInput
    labels: np.ndarray
    strength: np.ndarray  # per mention: summed score of its links (picks the canonical statement)
    manifest: LinkManifest
    # per mention: its wording negates its cluster's proposition (linked to it across a polarity opposition)
    negated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    order: list[int] = field(default_factory=list)  # cluster numbers, output order (largest first)

    def cluster_sizes(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=int(self.labels.max(initial=-1)) + 1)

    def iter_clusters(self) -> Iterator[ClusterRecord]:
        """Cluster records in output order; ``cluster_id`` is the 1-based rank (c000001 = largest)."""
        by_cluster = np.argsort(self.labels, kind="stable")
        sizes = self.cluster_sizes()
        starts = np.concatenate([[0], np.cumsum(sizes)])
        for rank, c in enumerate(self.order, 1):
            idx = by_cluster[starts[c] : starts[c + 1]].tolist()
            yield self._record(f"c{rank:06d}", idx)

    def _record(self, cid: str, idx: list[int]) -> ClusterRecord:
        ms = self.data.mentions
        arts = self.data.articles
        idx.sort(key=lambda m: order_key(arts[ms[m].article_id].published, m))
        members, relays = [], []
        for m in idx:
            mm = ms[m]
            info = arts[mm.article_id]
            via = intermediaries(mm, info.text)
            members.append(_member(mm, info.published, info.title, via))
            if via or mm.claimant_type == "media":
                relays.append(Relay(article_id=mm.article_id, claim_index=mm.claim_index, chain=chain(mm, via)))
        negated = [bool(self.negated[m]) for m in idx] if len(self.negated) else [False] * len(idx)
        denies = {m: rejects(ms[m].certainty, neg) for m, neg in zip(idx, negated)}
        best = max(idx, key=lambda m: (not denies[m], float(self.strength[m]), -m))
        first = members[0] if members[0].published and order_key(members[0].published, 0)[0] == 0 else None
        return ClusterRecord(
            cluster_id=cid,
            canonical=ms[best].statement,
            size=len(members),
            n_articles=len({m.article_id for m in members}),
            members=members,
            first_appearance=MemberRef(article_id=first.article_id, claim_index=first.claim_index,
                                       published=first.published) if first else None,
            conflicts=conflicts(members, negated),
            relays=relays,
        )


def stance(n: int, i: np.ndarray, j: np.ndarray, opposed: np.ndarray) -> np.ndarray:
    """Per mention: does its wording negate its cluster's proposition? Only clusters with an
    opposed link (``opposed[p]``: 1 when i[p] negates, 2 when j[p] does) are walked; across an
    opposed link the stance flips, across any other it stays, and each cluster is oriented so
    that the side whose negator counted is the negated one."""
    negated = np.zeros(n, dtype=bool)
    if not opposed.any():
        return negated
    labels = components(n, i, j)
    walk = np.flatnonzero(np.isin(labels[i], np.unique(labels[i[opposed > 0]])))
    adj: dict[int, list[tuple[int, bool]]] = {}
    for p in walk.tolist():
        a, b, flip = int(i[p]), int(j[p]), bool(opposed[p])
        adj.setdefault(a, []).append((b, flip))
        adj.setdefault(b, []).append((a, flip))
    parity: dict[int, bool] = {}
    opposed_at = [p for p in walk.tolist() if opposed[p]]
    for root in adj:
        if root in parity:
            continue
        parity[root] = False
        todo, seen = [root], {root}
        while todo:
            a = todo.pop()
            for b, flip in adj[a]:
                if b not in parity:
                    parity[b] = parity[a] != flip
                    todo.append(b)
                    seen.add(b)
        first = next(p for p in opposed_at if int(i[p]) in seen)
        neg = int(i[first]) if opposed[first] == 1 else int(j[first])
        for m in seen:
            negated[m] = parity[m] == parity[neg]
    return negated


def _member(m: Mention, published: str | None, title: str | None, via: list[str]) -> Member:
    return Member(
        article_id=m.article_id, claim_index=m.claim_index, statement=m.statement, quote=m.quote,
        quote_span=Span(start=m.quote_span[0], end=m.quote_span[1]) if m.quote_span else None,
        claimant=Claimant(text=m.claimant_text, name=m.claimant_name, type=m.claimant_type, role=m.claimant_role),  # type: ignore[arg-type]
        cue=m.cue, attribution=m.attribution, certainty=m.certainty, published=published, title=title, via=via,
    )


def link(data: LinkInput, options: LinkOptions | None = None, *, command: list[str] | None = None) -> Linking:
    from claims.kernel.version import __version__

    opt = options or LinkOptions()
    sim = load_similarity(opt.similarity, opt.threshold, **opt.server)
    judge = load_judge(**opt.server) if opt.similarity == "judge" else None
    checks = PairChecks(opt.fact_checks, processes=opt.threads)
    n = len(data.mentions)
    statements = [m.statement for m in data.mentions]
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    prepared = sim.prepare(statements)
    vectors = sim.vectors(prepared) if n > 1 else np.zeros((n, 1), dtype=np.float32)
    seconds["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    i, j, _, method = candidate_pairs(vectors, opt.k, exact_max=opt.exact_max, threads=opt.threads)
    del vectors
    seconds["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    score = sim.score_pairs(prepared, i, j) if len(i) else np.empty(0, dtype=np.float32)
    del prepared
    seconds["score"] = time.perf_counter() - t
    t = time.perf_counter()
    denied = np.fromiter((m.certainty == "denied" for m in data.mentions), dtype=bool, count=n)
    decision = decide(statements, denied, i, j, score, sim.threshold, checks, judge=judge, margin=opt.judge_margin)
    seconds["checks"] = time.perf_counter() - t
    t = time.perf_counter()
    keep = decision.link
    labels, refused = cluster_apart(n, i[keep], j[keep], score[keep], i[decision.vetoed], j[decision.vetoed])
    kept_i, kept_j, kept_s, kept_opposed = (x[keep][~refused] for x in (i, j, score, decision.opposed))
    negated = stance(n, kept_i, kept_j, kept_opposed)
    strength = np.zeros(n, dtype=np.float64)
    np.add.at(strength, kept_i, kept_s)
    np.add.at(strength, kept_j, kept_s)
    sizes = np.bincount(labels, minlength=int(labels.max(initial=-1)) + 1)
    order = sorted(range(len(sizes)), key=lambda c: (-int(sizes[c]), c))
    seconds["cluster"] = time.perf_counter() - t
    usage = (judge.stats() if judge is not None else {}) or sim.stats()
    manifest = LinkManifest(
        toolkit_version=__version__, command=command or [], inputs=data.sources, similarity=sim.name,
        threshold=sim.threshold, candidates=method, k=opt.k, n_claims=n, n_articles=len(data.articles),
        n_clusters=len(sizes), n_linked_clusters=int(np.sum(sizes > 1)), n_candidate_pairs=int(len(i)),
        n_links=int(keep.sum()), fact_checks=list(checks.checks), n_vetoed=int(decision.vetoed.sum()),
        vetoes=decision.vetoes, n_opposed=int((kept_opposed > 0).sum()), n_refused=int(refused.sum()),
        judge=JudgeUse(method=judge.name, band=decision.band, threshold=float(judge.threshold), asked=decision.asked,
                       linked=decision.judged_same) if judge is not None and decision.band is not None else None,
        similarity_usage=usage, seconds={k: round(v, 3) for k, v in seconds.items()}, notes=list(data.notes),
    )
    return Linking(data=data, labels=labels, strength=strength, manifest=manifest, order=order, negated=negated)
