"""The per-article pipeline every LLM path shares: chunk -> render -> ask -> parse ->
ground -> dedupe.

A *provider* only answers one request (a live server through cache, budget, rate limit
and retries; or a batch results file). Everything else happens here, once, for both:
a template's stages run on each chunk, an answer that does not fit the schema is
re-asked with the validation error (when the provider can send a follow-up), a
truncated answer splits its chunk in two (when the provider can send new requests),
every claim is grounded against the full article, and claims repeated by overlapping
chunks are deduplicated.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol

from pydantic import TypeAdapter, ValidationError

from claims.extract.backends.base import ExtractionError
from claims.extract.cache import CachedResponse
from claims.extract.chunking import Chunk, chunk_text, dedupe_claims, split_chunk
from claims.extract.grounding import Grounder
from claims.extract.structured import OutputInvalid, loop_unit, parse_output, reask_messages
from claims.kernel.articles import Article
from claims.kernel.errors import JobStop
from claims.kernel.schema import Claim, Usage

log = logging.getLogger("claims.extract.pipeline")

_CLAIMS = TypeAdapter(list[Claim])


class Extracted(NamedTuple):
    claims: list[Claim]
    usage: Usage
    claims_json: str | None = None  # the claims as _CLAIMS dumped them (one chunk, cache on): the record splices them in


class NeedsSplit(Exception):
    """The chunk is too big for one answer (finish_reason=length or context overflow)."""


class ChunkFailed(ExtractionError):
    """One chunk has no usable answer; ``error`` is the failure kind recorded for the article."""


@dataclass(frozen=True)
class Request:
    """One stage of one chunk, as the provider sees it."""

    article: Article
    chunk_index: int  # index of the top-level chunk (a split half keeps its parent's)
    stage: Any  # prompts.Stage: name, output, output_model, render()
    messages: list[dict[str, Any]]
    max_tokens: int | None = None  # the completion bound for this request


def chunk_context(article: Article, chunk: Chunk) -> dict[str, Any]:
    """What a stage's templates see for one chunk (batch prepare renders the same, so a
    batch request carries exactly the messages a live run would send)."""
    return {"article_text": article.text[chunk.start : chunk.end], "title": article.title, "article_id": article.id}


class Provider(Protocol):
    """Answers requests. ``can_reask``/``can_split``: whether a follow-up or a new,
    smaller request can be sent at all (a batch file's answers are fixed); when not,
    ``limit_hint`` says what the user can do instead."""

    can_reask: bool
    can_split: bool
    limit_hint: str

    async def complete(self, request: Request, usage: Usage) -> CachedResponse: ...

    def accept(self, answer: CachedResponse, grounded: tuple[str, str] | None = None) -> None:
        """The pipeline used the answer (a live provider caches it now, not before), and
        grounded these claims from it: (grounding key, JSON array), kept with it."""

    def evict(self, answer: CachedResponse) -> bool:
        """A cached answer turned out unusable: drop it; False when it cannot be (a replay)."""


# Completion tokens a chunk's answer may need: every claim repeats its quote verbatim,
# restates it, and adds the fields; measured on the gold, the JSON is 2.7-3.7x the
# article's characters, 0.7-1.0 tokens per character. The bound covers the densest gold
# article, plus a floor for short chunks; an answer cut at it is split, never dropped.
TOKENS_PER_CHUNK_CHAR = 1.0
MIN_COMPLETION_TOKENS = 512


def default_max_tokens(chunk_chars: int) -> int:
    return max(MIN_COMPLETION_TOKENS, int(chunk_chars * TOKENS_PER_CHUNK_CHAR) + 256)


@dataclass
class PipelineCounters:
    """Run-wide pipeline events; mutated only from the event loop thread."""

    reasks: int = 0
    splits: int = 0
    articles: int = 0
    failures: int = 0


class Pipeline:
    def __init__(
        self,
        template: Any,
        provider: Provider,
        *,
        chunk_chars: int,
        chunk_overlap: int,
        max_reasks: int,
        max_tokens: int | None,
        max_article_chars: int | None = None,
        keep_going: bool = False,
        redact: Any = str,
        ground_salt: str | None = None,
    ):
        """``keep_going``: try every chunk of an article and report all their problems
        (a batch: the answers are already paid for) instead of stopping at the first
        (live: further requests for a failed article would be wasted).

        ``ground_salt``: a hash of everything besides the article that decides how an
        answer is grounded (the run's provenance); with it, the claims grounded from a
        chunk's last answer are handed to the provider to keep with the answer, and read
        back instead of parsing and grounding it again."""
        self.template = template
        self.provider = provider
        self.chunk_chars = chunk_chars
        self.chunk_overlap = chunk_overlap
        self.max_reasks = max_reasks if provider.can_reask else 0
        self.max_tokens = max_tokens
        self.max_article_chars = max_article_chars
        self.keep_going = keep_going
        self.redact = redact
        self.ground_salt = ground_salt
        self.counters = PipelineCounters()

    # ------------------------------------------------------------------ one stage

    async def _ask(self, request: Request, usage: Usage, grounded_key: str | None = None) -> tuple[Any, CachedResponse]:
        """One stage's answer, parsed, re-asked with the validation error at most max_reasks times.

        Only an answer that parses is accepted (and so cached; the caller accepts it); a
        cached one that does not (an older version kept it) is evicted and the server asked
        afresh. A cached answer that carries claims grounded under ``grounded_key`` comes
        back as those claims (a list) instead of the parsed answer."""
        stage = request.stage
        reasks = 0
        while True:
            resp = await self.provider.complete(request, usage)
            if grounded_key and resp.grounded and resp.grounded[0] == grounded_key:
                try:
                    return _CLAIMS.validate_json(resp.grounded[1]), resp
                except ValidationError:
                    pass  # kept by an older version: ground the answer again
            try:
                cut = resp.finish_reason == "length" or bool(request.max_tokens and resp.completion_tokens >= request.max_tokens)
                unit = loop_unit(resp.content) if cut else None
                if unit:
                    raise ChunkFailed(
                        f"stage {stage.name}: the model repeated the same {unit} characters until max_tokens (a decoding loop); "
                        "splitting the chunk would loop again: try another model, a temperature above 0 or another --mode",
                        error="Repetition",
                    )
                if resp.finish_reason == "length":
                    raise NeedsSplit("finish_reason=length")
                if resp.refusal:
                    raise ChunkFailed(f"stage {stage.name}: the model refused: {resp.refusal[:200]}", error="Refusal")
                parsed = parse_output(resp.content, stage.output_model)
            except (NeedsSplit, ChunkFailed, OutputInvalid) as e:
                if resp.from_cache and self.provider.evict(resp):
                    continue
                if not isinstance(e, OutputInvalid):
                    raise
                if cut:
                    # cut at the token limit without saying so (llama-cpp-python reports
                    # finish_reason 'tool_calls' for a cut tool call): a split, not a re-ask
                    raise NeedsSplit("the answer used up max_tokens and is incomplete") from None
                if reasks == self.max_reasks:
                    hint = "" if self.provider.can_reask else f" ({self.provider.limit_hint} re-ask)"
                    raise ChunkFailed(
                        f"stage {stage.name}: no valid answer after {reasks + 1} attempt(s) ({reasks} re-ask(s)): {e}{hint}", error="ValidationError"
                    ) from None
                reasks += 1
                usage.reasks += 1
                self.counters.reasks += 1
                request = replace(request, messages=request.messages + reask_messages(resp.content, str(e)))
                continue
            return parsed, resp

    # ------------------------------------------------------------------ one chunk

    def _grounded_key(self, article: Article, chunk: Chunk) -> str | None:
        """Grounding reads the whole article (a claimant may be named outside the chunk)
        and the chunk's place in it, so both are in the key with the salt."""
        if self.ground_salt is None:
            return None
        return hashlib.sha256(f"{self.ground_salt}{article.sha256}:{chunk.start}:{chunk.end}".encode()).hexdigest()

    async def _chunk(self, article: Article, index: int, chunk: Chunk, usage: Usage,
                     grounder: Grounder) -> tuple[list[Claim], str | None]:
        """The chunk's claims, and their JSON when it was made for the cache (or read from it)."""
        try:
            context = chunk_context(article, chunk)
            bound = self.max_tokens or default_max_tokens(chunk.end - chunk.start)
            *earlier, last = self.template.stages
            for stage in earlier:
                parsed, resp = await self._ask(Request(article, index, stage, stage.render(context), bound), usage)
                self.provider.accept(resp)
                context[stage.name] = parsed  # the model instance, as the few-shot examples pass it
            key = self._grounded_key(article, chunk)
            parsed, resp = await self._ask(Request(article, index, last, last.render(context), bound), usage, key)
            if isinstance(parsed, list):
                return parsed, resp.grounded[1] if resp.grounded else None  # grounded when the answer was cached
            claims = [grounder.ground(mc, hint=chunk.start) for mc in parsed.claims]
            encoded = _CLAIMS.dump_json(claims).decode() if key else None
            self.provider.accept(resp, (key, encoded) if key else None)
            return claims, encoded
        except NeedsSplit as why:
            if not self.provider.can_split:
                raise ChunkFailed(f"answer truncated ({why}): {self.provider.limit_hint} split it, or raise --max-tokens", error="Truncated") from None
            try:
                halves = split_chunk(article.text, chunk)
            except ValueError as e:
                raise ChunkFailed(
                    f"answer truncated ({self.redact(str(why))[:120]}) and chunk [{chunk.start}, {chunk.end}) cannot be split: {e}; "
                    "raise max_tokens or use a model with a longer output",
                    error="Truncated",
                ) from None
            self.counters.splits += 1
            log.info("%s: chunk [%d, %d) too long for one answer; split in two", article.id, chunk.start, chunk.end)
            out: list[Claim] = []
            for half in halves:
                out.extend((await self._chunk(article, index, half, usage, grounder))[0])
            return out, None

    # ------------------------------------------------------------------ one article

    async def extract(self, article: Article, chunks: list[Chunk] | None = None) -> Extracted:
        """Claims and usage for one article; ExtractionError (with the usage spent) when it fails.

        ``chunks``: the chunking to use (a batch uses the offsets it was prepared with)."""
        usage = Usage()
        try:
            if self.max_article_chars is not None and len(article.text) > self.max_article_chars:
                # A 10 MB "article" is a whole dump by mistake: thousands of requests for one record.
                raise ExtractionError(
                    f"article is {len(article.text):,} characters, over the limit of {self.max_article_chars:,} "
                    f"(about {len(article.text) // self.chunk_chars + 1:,} requests); split it or raise --max-article-chars",
                    error="TooLong",
                )
            if chunks is None:
                chunks = chunk_text(article.text, self.chunk_chars, self.chunk_overlap)
            grounder = Grounder(article.text)  # shared by every claim of every chunk
            claims: list[Claim] = []
            encoded: str | None = None
            problems: list[ChunkFailed] = []
            for i, chunk in enumerate(chunks):
                try:
                    got, encoded = await self._chunk(article, i, chunk, usage, grounder)
                    claims.extend(got)
                except ChunkFailed as f:
                    if not self.keep_going:
                        raise
                    where = f"chunk {i + 1}/{len(chunks)} [{chunk.start}, {chunk.end})"
                    problems.append(ChunkFailed(f"{where}: {f}", error=f.error))
            if problems:
                raise ExtractionError("; ".join(map(str, problems))[:1000], error=problems[0].error)
            if len(chunks) > 1:
                claims = dedupe_claims(claims)  # overlapping chunks repeat claims; one chunk cannot
                encoded = None
        except ExtractionError as e:
            self.counters.failures += 1
            e.usage = usage
            raise
        except JobStop as e:
            e.usage = usage  # type: ignore[attr-defined]  # what this unfinished article already spent
            raise
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a bug or an odd server answer: still a recorded failure with its tokens
            self.counters.failures += 1
            raise ExtractionError(self.redact(f"{type(e).__name__}: {e}")[:500], error=type(e).__name__, usage=usage) from e
        self.counters.articles += 1
        return Extracted(claims, usage, encoded)
