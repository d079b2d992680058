"""Conflicts inside a cluster: one proposition asserted (or reported as likely) by some
members and rejected by others (GUIDELINES §13 L2: a claim and its denial are one cluster).

A member rejects the proposition when it is a denial of it (certainty ``denied``) or when
its wording negates it ("did not shoot down", linked across a polarity opposition; a denial
of such wording affirms it)."""

from __future__ import annotations

from collections.abc import Sequence

from claims.evals.links.schema import Conflict, Member, MemberRef

STANCES = ("asserted", "hedged", "denied")  # certainties that take a side on the proposition


def rejects(certainty: str | None, negated: bool) -> bool:
    """Does a member reject its cluster's proposition: a denial of it, or an assertion of its negation?"""
    return certainty in STANCES and (certainty == "denied") != negated


def conflicts(members: Sequence[Member], negated: Sequence[bool] | None = None) -> list[Conflict]:
    """``negated[k]``: member k's wording negates the cluster's proposition (``link.stance``)."""

    def ref(m: Member) -> MemberRef:
        return MemberRef(article_id=m.article_id, claim_index=m.claim_index, published=m.published)

    flags = list(negated) if negated is not None else [False] * len(members)
    denied, affirmed = [], []
    for m, neg in zip(members, flags):
        if m.certainty in STANCES:
            (denied if rejects(m.certainty, neg) else affirmed).append(ref(m))
    return [Conflict(affirmed=affirmed, denied=denied)] if denied and affirmed else []
