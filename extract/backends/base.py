"""What every backend offers the job runner."""

from __future__ import annotations

from abc import ABC, abstractmethod

from claims.kernel.articles import Article
from claims.kernel.errors import JobStop
from claims.kernel.schema import ArticleClaims, Claim, Provenance, Usage
from claims.kernel.version import __version__


class ExtractionError(Exception):
    """One article failed; the job records it and goes on."""

    def __init__(self, message: str, *, error: str = "ExtractionError", stage: str = "extract", usage: Usage | None = None):
        super().__init__(message)
        self.error = error
        self.stage = stage
        self.usage = usage or Usage()


# Failure kinds that say "the endpoint is in trouble", not "this article is" (the SDK's
# error classes, as the transport records them): several articles in a row failing
# with the same one stop the job.
TRANSPORT_ERRORS = frozenset({"APIConnectionError", "APITimeoutError", "RateLimitError", "InternalServerError", "ConflictError"})


class EndpointTrouble(JobStop):
    """Consecutive articles failed with the same transport error: stop instead of burning through the input."""

    status = "endpoint_unavailable"
    exit_code = 2


class BudgetExhausted(JobStop):
    """The run's request/token budget is spent: stop cleanly, resume later."""

    status = "budget_exhausted"


class Backend(ABC):
    name: str = "?"

    def provenance(self) -> Provenance:
        return Provenance(backend=self.name, toolkit_version=__version__)

    def result(self, article: Article, claims: list[Claim], usage: Usage | None = None, *,
               claims_json: str | None = None) -> ArticleClaims:
        """``claims_json``: the claims already encoded (``ArticleClaims.to_json`` splices them in)."""
        rec = ArticleClaims(
            article_id=article.id,
            text_sha256=article.sha256,
            title=article.title,
            published=article.published,
            claims=claims,
            provenance=self.provenance(),
            usage=usage or Usage(),
        )
        if claims_json is not None:
            rec.keep_claims_json(claims_json)
        return rec

    def manifest_notes(self, languages: dict[str, int]) -> list[str]:
        """Lines the manifest (and the console) should carry about this run, given how many
        articles of each detected language it holds; a backend that covers some languages
        only partly says so here."""
        return []

    @abstractmethod
    async def aextract(self, article: Article) -> ArticleClaims:
        """Claims for one article, or ExtractionError."""

    async def aclose(self) -> None:
        return None


class SyncBackend(Backend):
    """A CPU-only backend (rules, sentences): the sync call is the real one."""

    @abstractmethod
    def extract(self, article: Article) -> ArticleClaims: ...

    async def aextract(self, article: Article) -> ArticleClaims:
        return self.extract(article)
