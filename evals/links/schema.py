"""The links format: one ``ClusterRecord`` per line of ``clusters.jsonl``, plus ``manifest.json``.

Every output (JSON-LD, HTML, the link eval) reads these models, so they agree.
``claim_index`` is the position in that article's claims list as the input holds it (the
run line's or the gold file's order), so a member can always be traced back to its claim.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """An assertion (or hedged report) and a denial of the same proposition."""

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
    n_links: int = Field(description="candidate pairs at or above the threshold")
    seconds: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
