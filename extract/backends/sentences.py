"""The floor backend: every sentence longer than 30 characters is one author-less claim.

It knows nothing about attribution; it exists so that every metric has a trivial
baseline (what "no understanding at all" scores) and as a smoke test of the pipeline.
"""

from __future__ import annotations

from claims.extract.backends.base import SyncBackend
from claims.kernel.articles import Article
from claims.kernel.schema import ArticleClaims, Attribution, Certainty, Claim, Claimant, ClaimantType, Span
from claims.kernel.segment import sentences

MIN_CHARS = 30


class SentencesBackend(SyncBackend):
    name = "sentences"

    def extract(self, article: Article) -> ArticleClaims:
        text = article.text
        claims = [
            Claim(
                statement=text[s:e],
                quote=text[s:e],
                quote_span=Span(start=s, end=e),
                claimant=Claimant(type=ClaimantType.unknown),
                cue=None,
                attribution=Attribution.unattributed,
                certainty=Certainty.asserted,
            )
            for s, e in sentences(text)
            if e - s > MIN_CHARS
        ]
        return self.result(article, claims)
