"""The links format: one ``ClusterRecord`` per line of ``clusters.jsonl``, plus ``manifest.json``.

Every output (JSON-LD, HTML, the link eval) reads these models, so they agree.
``claim_index`` is the position in that article's claims list as the input holds it (the
run line's or the gold file's order), so a member can always be traced back to its claim.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from claims.evals.results import usage_text
from claims.kernel.schema import Claimant, Span

LINKS_VERSION = "1"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberRef(_M):
    article_id: str
    claim_index: int
    published: str | None = None


class Member(_M):
    """One appearance of the claim: one claim of one article."""

    article_id: str
    claim_index: int = Field(description="index into that article's claims list in the input")
    statement: str
    quote: str
    quote_span: Span | None = None
    claimant: Claimant
    cue: str | None = None
    attribution: str | None = None
    certainty: str | None = None
    published: str | None = Field(default=None, description="the article's publication date, when the input has one")
    title: str | None = None
    via: list[str] = Field(default_factory=list, description=(
        "intermediaries the article names between itself and the claimant (an outlet the claimant "
        "spoke to or that reported it), nearest first"))


class Relay(_M):
    """How one appearance reached its article: article <- intermediaries <- claimant."""

    article_id: str
    claim_index: int
    chain: list[str] = Field(description="the article, then each intermediary, then the claimant")


class Conflict(_M):
    """An assertion (or hedged report) and a denial of the same proposition; ``denied`` also
    holds members whose wording negates it ("did not shoot down")."""

    kind: Literal["denial"] = "denial"
    affirmed: list[MemberRef]
    denied: list[MemberRef]


class ClusterRecord(_M):
    cluster_id: str
    canonical: str = Field(description="the statement of the member most similar to the rest (a non-denial when there is one)")
    size: int
    n_articles: int
    members: list[Member] = Field(description="in order of publication (undated last), then article, then claim index")
    first_appearance: MemberRef | None = Field(default=None, description="the earliest dated member; None when no member has a date")
    conflicts: list[Conflict] = Field(default_factory=list)
    relays: list[Relay] = Field(default_factory=list)


class JudgeUse(_M):
    """How the LLM judge took part: which pairs it was asked about and what it decided."""

    method: str = Field(description="the judge, e.g. judge:gpt-4o-mini:same-claim@v1")
    band: tuple[float, float] = Field(description="offline scores [low, high) put to the judge; at or above high, the score links")
    threshold: float = Field(description="the judge's own cut-off: the share of the two orders that must say 'same'")
    asked: int = Field(description="candidate pairs in the band that the fact checks let through")
    linked: int = Field(description="of those, the pairs the judge found to have the same truth conditions")


class LinkManifest(_M):
    tool: str = "claims link"
    links_version: str = LINKS_VERSION
    toolkit_version: str
    command: list[str] = Field(default_factory=list)
    inputs: list[str]
    similarity: str
    threshold: float
    candidates: str = Field(description="exact or the ANN library that found the candidate pairs")
    k: int = Field(description="neighbours per claim")
    n_claims: int
    n_articles: int
    n_clusters: int
    n_linked_clusters: int = Field(description="clusters with more than one member")
    n_candidate_pairs: int
    n_links: int = Field(description="candidate pairs linked: at or above the threshold (or judged the same) and not vetoed")
    fact_checks: list[str] = Field(default_factory=list, description=(
        "the fact checks that ran (number, date, polarity, antonym, actor, frame, cause; polarity flags a conflict "
        "instead of vetoing); empty: none ran"))
    n_vetoed: int = Field(default=0, description="candidate pairs at or above the threshold that a fact check ruled out")
    vetoes: dict[str, int] = Field(default_factory=dict, description="vetoed pairs by fact check")
    n_opposed: int = Field(default=0, description=(
        "links where one statement negates the other (polarity): kept, and shown as a conflict of the cluster"))
    n_refused: int = Field(default=0, description=(
        "links refused because they would have put a vetoed pair in one cluster (a bridge)"))
    judge: JudgeUse | None = None
    similarity_usage: dict[str, float | int | str | None] = Field(default_factory=dict, description=(
        "requests, tokens, cache hits and cost of the judge or an embedding server (empty offline)"))
    seconds: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def similarity_text(self) -> str:
        return linker_text(self.similarity, self.threshold, self.fact_checks, self.judge, self.similarity_usage)


def linker_text(similarity: str | None, threshold: float | None, fact_checks: list[str] | None, judge: JudgeUse | None,
                usage: dict[str, Any]) -> str:
    """What linked the claims, for every report (as `claims eval` names its matcher): the
    method and threshold, the fact checks, the judge's band, and requests, tokens and cost."""
    checks = "unknown" if fact_checks is None else (", ".join(fact_checks) or "none")
    text = f"{similarity or '?'} >= {threshold if threshold is not None else '?'} (fact checks: {checks})"
    if judge is not None:
        text += (f"; {judge.method} decides scores in [{judge.band[0]:g}, {judge.band[1]:g}): "
                 f"{judge.asked} pairs asked, {judge.linked} linked")
    return text + usage_text(usage)
