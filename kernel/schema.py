"""The claim schema: one set of Pydantic models behind the model-facing JSON Schema,
validation, run output, gold files and reports.

Offsets are Python ``str`` indices (code points) into the article text as loaded,
half-open ``[start, end)``. Models never supply offsets; grounding computes them.
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1"


def text_sha256(text: str) -> str:
    """Hash pinned by runs and gold files, so drifted offsets are caught."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ClaimantType(str, Enum):
    person = "person"
    organization = "organization"
    government = "government"
    media = "media"
    anonymous = "anonymous"
    author = "author"
    unknown = "unknown"


class Attribution(str, Enum):
    direct = "direct"
    indirect = "indirect"
    unattributed = "unattributed"


class Certainty(str, Enum):
    asserted = "asserted"
    hedged = "hedged"
    denied = "denied"


# Descriptions are written for a model to read; the prompt and the JSON Schema reuse them.
D = {
    "statement": (
        "The proposition rewritten to stand alone: pronouns and definite descriptions "
        "resolved to names, no facts added that the article does not state. "
        "One proposition per claim."
    ),
    "quote": (
        "The exact text copied from the article that carries the claim, character for "
        "character, as short as possible while still carrying the content."
    ),
    "quote_span": "Character offsets [start, end) of the quote in the article text; computed by the toolkit, never by the model.",
    "claimant": "Who the article presents as making the claim.",
    "claimant_text": "The claimant exactly as written in the article (e.g. 'the source', 'Peskov'), or null when the claim is unattributed.",
    "claimant_name": "Canonical name of the claimant (e.g. 'Dmitry Peskov', 'Russian Ministry of Defence'); for anonymous sources a short description such as 'a diplomatic source'.",
    "claimant_type": "One of: person, organization, government, media, anonymous, author (the article itself asserts it), unknown.",
    "claimant_role": "The claimant's role or title if the article gives one (e.g. 'Kremlin spokesperson'), else null.",
    "cue": "The reporting expression exactly as written (e.g. 'said', 'according to', 'claimed', 'denied'), or null when there is none.",
    "attribution": "direct (the words are quoted), indirect (reported speech or 'according to'), unattributed (the article asserts it itself).",
    "certainty": "asserted (stated as fact), hedged ('may have', 'allegedly', 'suggests', 'reportedly'), denied (the claimant rejects the proposition).",
    "grounded": "True when the quote was found in the article and quote_span is set; false when it could not be aligned.",
}


class Span(BaseModel):
    """A half-open character range into the article text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0, description="First character offset (inclusive).")
    end: int = Field(ge=0, description="Offset one past the last character (exclusive).")

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if self.start >= self.end:
            raise ValueError(f"span start {self.start} must be < end {self.end}")
        return self

    def slice(self, text: str) -> str:
        return text[self.start : self.end]


class Claimant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description=D["claimant_text"])
    span: Span | None = Field(default=None, description="Offsets of `text` in the article, computed by the toolkit.")
    name: str | None = Field(default=None, description=D["claimant_name"])
    type: ClaimantType = Field(default=ClaimantType.unknown, description=D["claimant_type"])
    role: str | None = Field(default=None, description=D["claimant_role"])


class Cue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description=D["cue"])
    span: Span | None = Field(default=None, description="Offsets of the cue in the article, computed by the toolkit.")


class Claim(BaseModel):
    """One attributed or asserted check-worthy proposition.

    ``attribution`` and ``certainty`` may be ``None`` only in gold imported from corpora
    that do not label them; evaluation then leaves them out of that field's score.
    """

    model_config = ConfigDict(extra="forbid")

    statement: str = Field(min_length=1, description=D["statement"])
    quote: str = Field(min_length=1, description=D["quote"])
    quote_span: Span | None = Field(default=None, description=D["quote_span"])
    claimant: Claimant = Field(default_factory=Claimant, description=D["claimant"])
    cue: Cue | None = Field(default=None, description=D["cue"])
    attribution: Attribution | None = Field(default=None, description=D["attribution"])
    certainty: Certainty | None = Field(default=None, description=D["certainty"])
    grounded: bool = Field(default=True, description=D["grounded"])

    @model_validator(mode="after")
    def _grounded_has_span(self) -> "Claim":
        if self.grounded and self.quote_span is None:
            raise ValueError("a grounded claim needs quote_span")
        if not self.grounded and self.quote_span is not None:
            raise ValueError("an ungrounded claim must not carry quote_span")
        return self

    def spans_fit(self, text: str) -> bool:
        """``span_problems(text) == []``, without building it: ~1.2 against 2.4 us a claim."""
        n, q, who, cue = len(text), self.quote_span, self.claimant, self.cue
        return ((q is None or (q.end <= n and text[q.start : q.end] == self.quote))
                and (who.span is None or (who.span.end <= n and text[who.span.start : who.span.end] == who.text))
                and (cue is None or cue.span is None or (cue.span.end <= n and text[cue.span.start : cue.span.end] == cue.text)))

    def span_problems(self, text: str) -> list[str]:
        """Every span must lie inside the text and cover exactly the text it names."""
        problems: list[str] = []
        checks: list[tuple[str, Span | None, str | None]] = [
            ("quote", self.quote_span, self.quote),
            ("claimant", self.claimant.span, self.claimant.text),
            ("cue", self.cue.span if self.cue else None, self.cue.text if self.cue else None),
        ]
        for name, span, expected in checks:
            if span is None:
                continue
            if span.end > len(text):
                problems.append(f"{name} span [{span.start}, {span.end}) lies outside the text (length {len(text)})")
            elif expected is not None and span.slice(text) != expected:
                problems.append(
                    f"{name} span [{span.start}, {span.end}) covers {span.slice(text)!r}, not {expected!r}"
                )
        return problems


class PromptRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    version: str
    sha256: str


class Usage(BaseModel):
    """Counts for one article (or summed over a run)."""

    model_config = ConfigDict(extra="forbid")

    requests: int = 0
    retries: int = 0
    reasks: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # what the answers taken from the cache cost when they were first made (not spent again)
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0

    def add(self, other: "Usage") -> "Usage":
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: str
    model: str | None = None
    prompt: PromptRef | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    toolkit_version: str
    schema_version: str = SCHEMA_VERSION


_CLAIMS_JSON = "__claims_json__"  # where a record keeps its claims' JSON (``ArticleClaims.keep_claims_json``)


class ArticleClaims(BaseModel):
    """One line of ``claims.jsonl``: everything extracted from one article."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    text_sha256: str
    title: str | None = None
    published: str | None = Field(default=None, description="The article's publication date as the input gave it (JSONL/dataset `published`), for claim links' first appearance.")
    language: str | None = Field(
        default=None, description="The article's language (ISO 639-1) as the backend detected it; None when it does not detect one."
    )
    claims: list[Claim]
    provenance: Provenance
    usage: Usage = Field(default_factory=Usage)

    def keep_claims_json(self, encoded: str) -> None:
        """``encoded``: ``claims`` as a list[Claim] TypeAdapter dumps them (the pipeline
        encodes a chunk's claims for the cache), for ``to_json`` to splice in. Kept beside
        the fields, not as one: records compare and copy by their fields alone, and it
        holds only while ``claims`` is the same list."""
        object.__setattr__(self, _CLAIMS_JSON, (self.claims, encoded))

    def to_json(self) -> str:
        """``model_dump_json()``, with the claims encoded once per article, not twice
        (a 25-claim record: 0.1 ms of a worker's ~2 ms an article)."""
        kept = self.__dict__.get(_CLAIMS_JSON)
        if kept is None or kept[0] is not self.claims:
            return self.model_dump_json()
        head = self.model_dump_json(exclude={"claims"})
        # the fields before provenance are strings or null (a quote inside one is escaped),
        # so the first ',"provenance":' is the key, where the claims go before
        at = head.index(',"provenance":')
        return f'{head[:at]},"claims":{kept[1]}{head[at:]}'

    def span_problems(self, text: str, sha256: str | None = None) -> list[str]:
        """``sha256``: the text's hash, when the caller has it already (an article keeps its own)."""
        problems = []
        if (sha256 or text_sha256(text)) != self.text_sha256:
            problems.append("text_sha256 does not match the article text")
        for i, claim in enumerate(self.claims):
            if not claim.spans_fit(text):  # a worker checks every record it writes: the claims that fit cost one call
                problems.extend(f"claim {i}: {p}" for p in claim.span_problems(text))
        return problems


class ArticleFailure(BaseModel):
    """One line of ``failures.jsonl``: an article that could not be processed, and why."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    source: str | None = None
    stage: str = Field(description="load, extract, validate or budget")
    error: str = Field(description="Exception class or error kind")
    message: str
    usage: Usage = Field(default_factory=Usage)


class GoldClaim(Claim):
    """A gold claim: a Claim plus the cross-article cluster it belongs to (GUIDELINES §13).

    ``from_attributes`` lets a plain ``Claim`` stand where a gold claim is expected.
    """

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    cluster: str | None = Field(default=None, description="Claims with the same truth conditions, in any gold article, share this label; a claim alone has its own.")


class GoldArticle(BaseModel):
    """A hand-labelled gold file: the same Claim model as runs, plus who labelled it."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    text_sha256: str
    labelled_by: str
    guideline_version: str
    notes: str | None = None
    claims: list[GoldClaim]


# ---------------------------------------------------------------------------
# What a model is asked to return. Offsets are absent on purpose: the toolkit
# grounds quotes itself. Every field is required and nullable (OpenAI strict mode).


class ModelClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str = Field(description=D["statement"])
    quote: str = Field(description=D["quote"])
    claimant_text: str | None = Field(description=D["claimant_text"])
    claimant_name: str | None = Field(description=D["claimant_name"])
    claimant_type: ClaimantType = Field(description=D["claimant_type"])
    claimant_role: str | None = Field(description=D["claimant_role"])
    cue: str | None = Field(description=D["cue"])
    attribution: Attribution = Field(description=D["attribution"])
    certainty: Certainty = Field(description=D["certainty"])


class ModelOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims: list[ModelClaim] = Field(description="Every check-worthy claim in the text, in order of appearance.")


class ModelSelection(BaseModel):
    """First stage of a staged prompt: which sentences hold check-worthy claims."""

    model_config = ConfigDict(extra="forbid")

    sentences: list[str] = Field(
        description=(
            "Every sentence of the article that contains at least one check-worthy claim "
            "(a specific, verifiable proposition, attributed or asserted), copied exactly "
            "as written, character for character, in order of appearance. Leave out page "
            "boilerplate, questions, opinions without a checkable fact, and headlines that "
            "only repeat the body."
        )
    )


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON Schema that an OpenAI strict ``json_schema`` request accepts.

    Strict mode wants every object closed (``additionalProperties: false``), every
    property required, no ``default``, and no keywords beside ``$ref``; refs are
    inlined so that descriptions survive next to them.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def fix(node: Any) -> Any:
        if isinstance(node, list):
            return [fix(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = defs[node["$ref"].split("/")[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return fix(merged)
        out = {k: fix(v) for k, v in node.items() if k not in ("default", "title", "properties")}
        if "properties" in node:
            out["properties"] = {name: fix(sub) for name, sub in node["properties"].items()}
        if out.get("type") == "object" or "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out.get("properties", {}))
        return out

    return fix(schema)


def schema_sha256(model: type[BaseModel] = ModelOutput) -> str:

    return hashlib.sha256(json.dumps(strict_json_schema(model), sort_keys=True).encode()).hexdigest()
