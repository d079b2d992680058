"""schema.org ``Claim`` JSON-LD, the vocabulary fact-checking tools read (ClaimReview's
``itemReviewed``): one Claim per cluster, its ``appearance`` one ``NewsArticle`` per article
that carries it, ``firstAppearance`` the earliest dated one, ``author`` the claimants.
"""

from __future__ import annotations

from typing import Any

from claims.evals.links.schema import ClusterRecord, Member

CONTEXT = "https://schema.org"
AGENT_TYPES = {"person": "Person", "organization": "Organization", "government": "GovernmentOrganization",
               "media": "NewsMediaOrganization"}


def _agent(m: Member) -> dict[str, Any] | None:
    name = m.claimant.name or m.claimant.text
    if m.claimant.type.value == "author" or not name:
        return None  # the article itself asserts it: its appearance is the author
    out: dict[str, Any] = {"@type": AGENT_TYPES.get(m.claimant.type.value, "Person"), "name": name}
    if m.claimant.role:
        out["jobTitle"] = m.claimant.role
    return out


def _article(m: Member) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "NewsArticle", "@id": f"urn:claims:article:{m.article_id}", "identifier": m.article_id}
    if m.title:
        out["headline"] = m.title
    if m.published:
        out["datePublished"] = m.published
    return out


def claim_node(c: ClusterRecord) -> dict[str, Any]:
    authors: list[dict[str, Any]] = []
    for m in c.members:
        a = _agent(m)
        if a is not None and a not in authors:
            authors.append(a)
    seen: set[str] = set()
    appearances = []
    for m in c.members:
        if m.article_id not in seen:
            seen.add(m.article_id)
            appearances.append(_article(m))
    node: dict[str, Any] = {"@type": "Claim", "@id": f"urn:claims:cluster:{c.cluster_id}", "text": c.canonical,
                            "appearance": appearances}
    if authors:
        node["author"] = authors
    if c.first_appearance is not None:
        first = next(m for m in c.members if (m.article_id, m.claim_index) ==
                     (c.first_appearance.article_id, c.first_appearance.claim_index))
        node["firstAppearance"] = _article(first)
    return node
