"""First appearance, scored by hand on a small linking (``evals.links.evaluate``)."""

from __future__ import annotations

from claims.evals.links.evaluate import Aligned, first_appearance
from claims.evals.links.schema import ClusterRecord, Member, MemberRef
from claims.kernel.schema import Claimant

DATES = {"x": "2024-12-26T06:00:00Z", "y": "2024-12-26T09:00:00Z", "z": "2024-12-27", "w": None}


def cluster(cid: str, *members: tuple[str, int]) -> ClusterRecord:
    ms = [Member(article_id=a, claim_index=i, statement="s", quote="q", claimant=Claimant(), published=DATES[a])
          for a, i in members]
    dated = sorted((m for m in ms if m.published), key=lambda m: m.published or "")
    first = MemberRef(article_id=dated[0].article_id, claim_index=dated[0].claim_index) if dated else None
    return ClusterRecord(cluster_id=cid, canonical="s", size=len(ms), n_articles=len({m.article_id for m in ms}),
                         members=ms, first_appearance=first)


def test_first_appearance_counts_only_what_the_linking_decides():
    clusters = [
        cluster("c1", ("x", 0)), cluster("c2", ("y", 0)),  # gold A split evenly: x's part and y's part
        cluster("c3", ("x", 1), ("x", 2)),  # gold B: one article
        cluster("c4", ("x", 3), ("y", 3)), cluster("c5", ("z", 3)),  # gold C: two of three linked, the earliest among them
        cluster("c6", ("y", 4), ("z", 4)), cluster("c7", ("x", 4)),  # gold D: the two linked miss the earliest
        cluster("c8", ("w", 0)),  # gold E: undated
    ]
    key = {("x", 0): "A", ("y", 0): "A", ("x", 1): "B", ("x", 2): "B", ("x", 3): "C", ("y", 3): "C", ("z", 3): "C",
           ("y", 4): "D", ("z", 4): "D", ("x", 4): "D", ("w", 0): "E"}
    response = {(m.article_id, m.claim_index): c.cluster_id for c in clusters for m in c.members}
    fa = first_appearance(Aligned(key=key, response=response, pred_to_mention={}), clusters)
    # A: x's part comes first in the gold's order, but an even split is no answer: wrong
    assert (fa.dated_clusters, fa.found, fa.right, fa.wrong, fa.missing) == (4, 4, 2, ["A", "D"], [])
    assert (fa.across, fa.across_right) == (3, 1)  # B holds one date: right under any linking


def test_a_gold_cluster_no_linked_claim_matched_is_missing():
    clusters = [cluster("c1", ("x", 0))]
    key = {("x", 0): "A", ("y", 0): "A"}
    fa = first_appearance(Aligned(key=key, response={}, pred_to_mention={}), clusters)
    assert (fa.dated_clusters, fa.found, fa.right, fa.missing, fa.across) == (1, 0, 0, ["A"], 0)
