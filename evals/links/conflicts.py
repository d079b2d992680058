"""Conflicts inside a cluster: one proposition asserted (or reported as likely) by some
members and denied by others (GUIDELINES §13 L2: a claim and its denial are one cluster)."""

from __future__ import annotations

from collections.abc import Sequence

from claims.evals.links.schema import Conflict, Member, MemberRef


def conflicts(members: Sequence[Member]) -> list[Conflict]:
    def ref(m: Member) -> MemberRef:
        return MemberRef(article_id=m.article_id, claim_index=m.claim_index, published=m.published)

    denied = [ref(m) for m in members if m.certainty == "denied"]
    affirmed = [ref(m) for m in members if m.certainty in ("asserted", "hedged")]
    return [Conflict(affirmed=affirmed, denied=denied)] if denied and affirmed else []
