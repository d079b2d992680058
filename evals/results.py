"""The result model: everything an evaluation produces, as Pydantic models.

Every report (terminal, JSON, Markdown, JUnit, HTML) reads these models and nothing
else, so a report never recomputes a number and all reports agree. ``EvalResult`` is
the root for `claims eval`; ``ComparisonResult`` for `claims compare` (and it is also
attached to an ``EvalResult`` when `claims eval --baseline` runs the gate).

Conventions used throughout:
- Offsets are Python ``str`` indices, half-open ``[start, end)``, as in ``extract.schema``.
- ``gold_index`` / ``pred_index`` are positions in the article's gold / predicted claim
  lists as loaded (the gold file's order, the run line's order).
- A ``PRF`` with tp = fp = fn = 0 scores 1.0 everywhere (nothing to find, nothing
  wrongly found); otherwise a zero denominator scores 0.0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from claims.kernel.schema import Claim

RESULT_VERSION = "1"

SpanKind = Literal["quote", "claimant", "cue"]
SpanScheme = Literal["strict", "exact", "partial", "type"]
FieldName = Literal["claimant_name", "claimant_type", "attribution", "certainty"]
HeadlineName = Literal["precision", "recall", "f1", "attributed_precision", "attributed_recall", "attributed_f1", "macro_f1"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- counts


class PRF(_M):
    """Pooled counts and the scores derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    precision: float = 1.0
    recall: float = 1.0
    f1: float = 1.0


class Interval(_M):
    """A percentile bootstrap interval."""

    low: float
    high: float
    confidence: float = Field(description="e.g. 0.95 for a two-sided 95% interval")


class Estimate(_M):
    """A headline number with its document-level bootstrap interval (None when not computed)."""

    value: float
    ci: Interval | None = None



def usage_text(usage: dict[str, Any]) -> str:
    """"; N requests, M cached, T tokens, $C" for a similarity that asked a server ("" when
    none did): the cost of a judge or an embedding endpoint belongs next to its scores."""
    if not (usage.get("requests") or usage.get("cache_hits")):
        return ""
    tokens = int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0)
    text = f"; {usage.get('requests', 0)} requests, {usage.get('cache_hits', 0)} cached, {tokens:,} tokens"
    if usage.get("cost_usd") is not None:
        text += f", ${float(usage['cost_usd']):.4f}"
    return text

class Thresholds(_M):
    """The matcher's settings, recorded so that a result can be reproduced."""

    quote_dice: float = Field(description="minimum character-level Dice of the two quote spans")
    statement_similarity: float = Field(description="minimum statement similarity")
    statement_method: str = Field(description="the statement similarity that scored it: 'lexical', 'embedding:<model>' or 'judge:<model>'")
    fact_checks: list[str] = Field(default_factory=list, description="fact checks that veto a pair (number, date, polarity, antonym, actor)")
    similarity_usage: dict[str, float | int | None] = Field(
        default_factory=dict, description="requests, tokens, cache hits and cost of an embedding endpoint or a judge (empty offline)")
    quote_weight: float = Field(description="weight of quote Dice in the combined assignment score")
    statement_weight: float = Field(description="weight of statement similarity in the combined score")


    def similarity_text(self) -> str:
        """Which similarity scored it, for every report: method >= threshold, fact checks, usage and cost."""
        checks = ", ".join(self.fact_checks) if self.fact_checks else "none"
        return f"{self.statement_method} >= {self.statement_similarity:g} (fact checks: {checks})" + usage_text(self.similarity_usage)

    def matcher_text(self) -> str:
        return f"quote Dice >= {self.quote_dice:g}, statement similarity {self.similarity_text()}"


class BootstrapSettings(_M):
    resamples: int
    seed: int
    confidence: float


# --------------------------------------------------------------------------- claims


class FieldCheck(_M):
    """One field of one matched pair. ``correct`` is None when gold does not say (excluded)."""

    gold: str | None
    pred: str | None
    correct: bool | None


class MatchedPair(_M):
    gold_index: int
    pred_index: int
    gold: Claim
    pred: Claim
    quote_dice: float
    statement_similarity: float
    score: float = Field(description="combined score the assignment maximised")
    claimant_correct: bool = Field(description="counts towards attributed-claim F1")
    fields: dict[FieldName, FieldCheck]


class UnmatchedClaim(_M):
    """A missed gold claim or a spurious prediction, with the closest claim on the other side."""

    index: int
    claim: Claim
    reason: Literal["ungrounded", "no_candidate", "fact_conflict", "taken", "article_missing"] = Field(
        description=(
            "ungrounded: a prediction without quote_span (cannot match); no_candidate: nothing on the "
            "other side passed both thresholds; fact_conflict: a claim on the other side passed both "
            "thresholds but a fact check vetoed it (see nearest_conflict); taken: candidates existed but "
            "were assigned to others (e.g. duplicates); article_missing: the run has no record for this gold article"
        )
    )
    nearest_index: int | None = Field(default=None, description="closest claim on the other side by combined score")
    nearest_quote_dice: float | None = None
    nearest_statement_similarity: float | None = None
    nearest_conflict: str | None = Field(default=None, description="why a fact check ruled the nearest claim out, gold's words first, e.g. \"number: '12 people' vs '21 people'\"")


class ArticleResult(_M):
    """One article: the per-article table row and its claim-level detail."""

    article_id: str
    title: str | None = None
    text: str | None = Field(default=None, description="the article text, for side-by-side span reports")
    in_run: bool = Field(description="False when the run has no record for this gold article (all missed)")
    failed: bool = Field(default=False, description="the run recorded a failure for this article")
    n_gold: int
    n_pred: int
    n_ungrounded: int = 0
    claims: PRF
    attributed: PRF
    matched: list[MatchedPair] = Field(default_factory=list)
    missed: list[UnmatchedClaim] = Field(default_factory=list)
    spurious: list[UnmatchedClaim] = Field(default_factory=list)


# --------------------------------------------------------------------------- fields, spans


class ConfusionMatrix(_M):
    """Rows are gold labels, columns predicted labels, both in ``labels`` order.

    The label ``"none"`` stands for a prediction that left the field empty.
    """

    labels: list[str]
    counts: list[list[int]]


class FieldScore(_M):
    field: FieldName
    scored: int = Field(description="matched pairs where gold gives a value")
    correct: int
    accuracy: float | None = Field(description="None when no pair could be scored")
    excluded_unknown: int = Field(description="matched pairs left out because gold's value is unknown")
    confusion: ConfusionMatrix | None = Field(default=None, description="None for free-text fields (claimant_name)")


class SpanCounts(_M):
    """SemEval-2013 counts for one scheme, with the same rules as the `nervaluate` package."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0
    possible: int = 0
    actual: int = 0
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0


class SpanScores(_M):
    kind: SpanKind
    labels: str = Field(description="what the span's type is: attribution (quote), claimant type, or 'cue'")
    schemes: dict[SpanScheme, SpanCounts]
    by_label: dict[str, dict[SpanScheme, SpanCounts]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- references


class ReferenceLine(_M):
    """The floor (a trivial baseline) or the ceiling (agreement between two annotators)."""

    name: Literal["floor", "ceiling"]
    description: str
    n_articles: int
    article_ids: list[str] = Field(default_factory=list)
    claims: PRF
    attributed: PRF
    macro_f1: float


# --------------------------------------------------------------------------- comparison


class SignificanceTest(_M):
    method: Literal["paired_bootstrap", "approximate_randomization"]
    metric: str = Field(description="e.g. 'f1' (micro) or 'attributed_f1'")
    observed_delta: float = Field(description="head minus base")
    p_value: float = Field(description="two-sided")
    ci: Interval | None = Field(default=None, description="two-sided percentile interval of the delta (bootstrap only)")
    lower_bound: float | None = Field(default=None, description="one-sided lower confidence bound of the delta (bootstrap only)")
    resamples: int
    seed: int


class ClaimChange(_M):
    """A gold claim matched in one run and not the other."""

    article_id: str
    gold_index: int
    gold: Claim
    pred: Claim = Field(description="the prediction that matched it (in head for gained, in base for lost)")


class FieldFlip(_M):
    """The same gold claim matched in both runs, a field right in one and wrong in the other."""

    article_id: str
    gold_index: int
    field: FieldName
    gold: str | None
    base: str | None
    head: str | None
    direction: Literal["fixed", "broken"]


class ArticleDelta(_M):
    article_id: str
    base: PRF
    head: PRF
    delta_f1: float
    gained: list[ClaimChange] = Field(default_factory=list)
    lost: list[ClaimChange] = Field(default_factory=list)
    flips: list[FieldFlip] = Field(default_factory=list)


class RunSummary(_M):
    """Headline numbers of one run, for side-by-side display."""

    run: str
    backend: str | None = None
    model: str | None = None
    prompt: str | None = Field(default=None, description="prompt id@version")
    claims: PRF
    attributed: PRF
    macro_f1: float


class ComparisonResult(_M):
    version: str = RESULT_VERSION
    gold: str
    thresholds: Thresholds
    base: RunSummary
    head: RunSummary
    delta_f1: float
    delta_attributed_f1: float
    tests: list[SignificanceTest]
    articles: list[ArticleDelta] = Field(description="every gold article, in gold order")
    gained: int
    lost: int
    flips: dict[FieldName, dict[Literal["fixed", "broken"], int]]
    floor: ReferenceLine | None = Field(default=None, description="the sentences floor on the same gold")
    ceiling: ReferenceLine | None = Field(default=None, description="annotator agreement on the double-labelled articles")
    n_double: int = Field(default=0, description="double-labelled gold articles (0: no ceiling can exist)")


# --------------------------------------------------------------------------- gate


class GateCheck(_M):
    name: Literal["non_inferiority", "non_inferiority_attributed", "min_f1", "min_attributed_f1",
                  "min_conll", "min_progress", "first_appearance"]  # the last three: claim links
    passed: bool
    value: float = Field(description="the number checked (lower bound of the delta, or the F1)")
    threshold: float
    message: str


class GateResult(_M):
    passed: bool
    max_drop: float | None = None
    confidence: float | None = None
    min_f1: float | None = None
    min_attributed_f1: float | None = None
    checks: list[GateCheck]

    @property
    def reasons(self) -> list[str]:
        return [c.message for c in self.checks if not c.passed]


# --------------------------------------------------------------------------- root


class RunInfo(_M):
    path: str
    backend: str | None = None
    model: str | None = None
    prompt: str | None = None
    n_records: int = 0
    n_failures: int = 0


class GoldInfo(_M):
    path: str
    n_articles: int
    n_claims: int
    n_double: int = Field(default=0, description="articles with two independent label sets")


class EvalResult(_M):
    version: str = RESULT_VERSION
    run: RunInfo
    gold: GoldInfo
    thresholds: Thresholds
    bootstrap: BootstrapSettings
    claims: PRF = Field(description="micro (pooled over articles)")
    attributed: PRF = Field(description="micro attributed-claim scores: a match counts only if the claimant is right")
    macro_precision: float
    macro_recall: float
    macro_f1: float
    headline: dict[HeadlineName, Estimate]
    fields: dict[FieldName, FieldScore]
    spans: dict[SpanKind, SpanScores]
    articles: list[ArticleResult] = Field(description="every gold article, in gold order")
    missing_articles: list[str] = Field(default_factory=list, description="in gold, not in the run (scored all-missed)")
    extra_articles: list[str] = Field(default_factory=list, description=(
        "in the run, not in gold (ignored): all of them up to 100, else a sample of 100 (a run can hold millions)"))
    n_extra_articles: int = Field(default=0, description="how many articles of the run are not in gold")
    failed_articles: list[str] = Field(default_factory=list, description="gold articles the run recorded a failure for")
    floor: ReferenceLine | None = None
    ceiling: ReferenceLine | None = None
    comparison: ComparisonResult | None = None
    gate: GateResult | None = None
    notes: list[str] = Field(default_factory=list)


# results-model-ready


# --------------------------------------------------------------------------- suite leaderboard

SUITE_VERSION = "1"



class RepeatScore(_M):
    repeat: int
    seed: int | None
    run_dir: str
    f1: float
    attributed_f1: float
    failures: int


class LeaderboardRow(_M):
    name: str
    kind: Literal["variant", "floor", "ceiling"] = "variant"
    backend: str | None = None
    model: str | None = None
    prompt: str | None = Field(default=None, description="id@version")
    prompt_sha256: str | None = None
    repeats: int = 1
    f1: Estimate
    attributed_f1: Estimate
    precision: float
    recall: float
    macro_f1: float
    f1_mean: float | None = Field(default=None, description="mean of the per-repeat F1 (repeats > 1)")
    f1_sd: float | None = None
    f1_min: float | None = None
    f1_max: float | None = None
    per_repeat: list[RepeatScore] = Field(default_factory=list)
    fields: dict[str, float | None] = Field(default_factory=dict, description="accuracy on matched pairs, pooled over repeats")
    claims: int = 0
    failures: int = 0
    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = Field(default=0, description="tokens of every answer, cached ones included")
    completion_tokens: int = 0
    cost_usd: float | None = None
    description: str | None = None


class SuiteResult(_M):
    version: str = SUITE_VERSION
    suite: str
    path: str
    gold: str
    n_articles: int
    n_gold_claims: int
    thresholds: Thresholds
    resamples: int
    confidence: float
    rows: list[LeaderboardRow] = Field(description="variants, best pooled F1 first")
    floor: LeaderboardRow | None = None
    ceiling: LeaderboardRow | None = None
    notes: list[str] = Field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.failures for r in self.rows)
