"""One-to-one matching of predicted to gold claims within one article.

A (prediction, gold) pair is a *candidate* only when all hold:

- quote overlap: the character-level Dice of the two quote spans,
  ``2|p ∩ g| / (|p| + |g|)``, is at least ``quote_threshold`` (default 0.7; a prediction
  without ``quote_span`` — ungrounded — can never match),
- statement similarity, from the shared similarity layer (``claims.extract``: lexical
  by default, or an embedding or an LLM judge), is at least ``statement_threshold``
  (default: the method's calibrated threshold), and
- the fact checks agree: numbers, dates, polarity, antonyms and actors of the two
  statements do not conflict (a denied claim's polarity is read through its
  certainty). A pair vetoed by them is reported with the reason (``fact_conflict``).

The quote test asks "is it the same passage?", the statement test "does it say the same
thing?": a prediction that quotes the right sentence but states a different proposition,
or the same one with a wrong number, is not a match. Among candidates,
``scipy.optimize.linear_sum_assignment`` picks the assignment with the most candidate
pairs and, among those, the largest total combined score
``quote_weight * dice + statement_weight * similarity`` (0.5 / 0.5). Non-candidates get a
large negative score and are dropped after the assignment. Scores are rounded to 1e-6 and
a tie-break far below that resolution prefers lower (prediction, gold) indices, so equal
scores resolve by order: of two duplicate predictions the first one matches.

Thresholds: the quote Dice default was chosen with ``claims calibrate`` on the seed gold
(widest ceiling - floor gap with the ceiling within 0.02 of its best, the statement
threshold fixed); the statement method and threshold with ``claims calibrate-similarity``
on the contrast set (``gold/contrast/``), by the rules stated in the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from claims.extract import DEFAULT_METHOD, FactChecked, statement_similarity
from claims.kernel.schema import Claim

DEFAULT_QUOTE_THRESHOLD = 0.7
_DEFAULTS: dict[str, Any] = {}


def default_similarity() -> Any:
    """The default statement similarity (fact-checked), built once: it may load a model."""
    sim = _DEFAULTS.get("similarity")
    if sim is None:

        sim = _DEFAULTS["similarity"] = statement_similarity()
    return sim


def build_similarity(spec: str | dict[str, Any] | None = None, *, fact_checks: bool = True, **options: Any) -> Any:
    """A fact-checked statement similarity from a method name or a mapping (a suite file's
    ``similarity:`` key): ``{"method": "judge", "model": ..., "base_url": ...}``; keyword
    options (not None) fill in what the mapping leaves out. None: the default."""

    spec = {"method": spec} if isinstance(spec, str) else dict(spec or {})
    method = spec.pop("method", None) or DEFAULT_METHOD
    threshold = spec.pop("threshold", None)
    for k, v in options.items():
        if v is not None:
            spec.setdefault(k, v)
    if method == DEFAULT_METHOD and not spec and threshold is None and fact_checks:
        return default_similarity()
    return statement_similarity(method, threshold=threshold, fact_checks=fact_checks, **spec)


def fact_checked(similarity: Any) -> Any:
    """Any similarity behind the fact checks (a ``FactChecked`` is returned as it is)."""
    if hasattr(similarity, "compare_pairs"):
        return similarity

    return FactChecked(similarity)


@dataclass
class MatchConfig:
    quote_threshold: float = DEFAULT_QUOTE_THRESHOLD
    statement_threshold: float | None = None  # None: the similarity's calibrated threshold
    quote_weight: float = 0.5
    statement_weight: float = 0.5
    similarity: Any = field(default_factory=default_similarity)

    def __post_init__(self) -> None:
        self.similarity = fact_checked(self.similarity)
        if self.statement_threshold is None:
            self.statement_threshold = float(self.similarity.threshold)

    @property
    def statement_cut(self) -> float:
        assert self.statement_threshold is not None
        return self.statement_threshold


def match_config(quote_threshold: float | None = None, statement_threshold: float | None = None,
                 similarity: Any = None) -> MatchConfig:
    """The default matcher with whatever is given (not None) overriding its default."""
    cfg = MatchConfig(similarity=similarity) if similarity is not None else MatchConfig()
    if quote_threshold is not None:
        cfg.quote_threshold = quote_threshold
    if statement_threshold is not None:
        cfg.statement_threshold = statement_threshold
    return cfg


@dataclass
class Pair:
    pred_index: int
    gold_index: int
    quote_dice: float
    statement_similarity: float
    score: float


@dataclass
class Unmatched:
    index: int
    reason: str
    nearest_index: int | None = None
    nearest_quote_dice: float | None = None
    nearest_statement_similarity: float | None = None
    nearest_conflict: str | None = None  # the fact check that ruled the nearest claim out


@dataclass
class ArticleMatch:
    pairs: list[Pair]
    missed: list[Unmatched]
    spurious: list[Unmatched]


def is_denied(claim: Claim) -> bool:
    return claim.certainty is not None and claim.certainty.value == "denied"


def prepare_claims(cfg: MatchConfig, claims: Sequence[Claim]) -> list[Any]:
    """The similarity's prepared statements, in one batch (denied claims flagged for the polarity check)."""
    return cfg.similarity.prepare([c.statement for c in claims], denied=[is_denied(c) for c in claims])


def _span_arrays(claims: list[Claim]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([c.quote_span.start if c.quote_span else -1 for c in claims], dtype=np.int64)
    ends = np.array([c.quote_span.end if c.quote_span else -1 for c in claims], dtype=np.int64)
    return starts, ends


def dice_matrix(preds: list[Claim], gold: list[Claim]) -> np.ndarray:
    """Quote Dice for every (prediction, gold) pair; 0 where a span is missing."""
    ps, pe = _span_arrays(preds)
    gs, ge = _span_arrays(gold)
    inter = np.minimum(pe[:, None], ge[None, :]) - np.maximum(ps[:, None], gs[None, :])
    inter = np.clip(inter, 0, None)
    total = (pe - ps)[:, None] + (ge - gs)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(total > 0, 2.0 * inter / np.where(total > 0, total, 1), 0.0)
    missing = (ps < 0)[:, None] | (gs < 0)[None, :]
    d[missing] = 0.0
    return d


def match_article(gold: list[Claim], preds: list[Claim], config: MatchConfig | None = None,
                  prepared: tuple[list[Any], list[Any]] | None = None) -> ArticleMatch:
    """``prepared``: (predictions, gold) from ``prepare_claims``, when the caller batched them across articles."""
    cfg = config or MatchConfig()
    n_p, n_g = len(preds), len(gold)
    if n_p == 0 or n_g == 0:
        return ArticleMatch(
            pairs=[],
            missed=[Unmatched(j, "no_candidate") for j in range(n_g)],
            spurious=[Unmatched(i, "ungrounded" if preds[i].quote_span is None else "no_candidate") for i in range(n_p)],
        )
    sims = cfg.similarity
    dice = dice_matrix(preds, gold)
    # Statement similarity only where it can matter: the quote test passes, or (for a
    # method that costs nothing per pair) the quotes overlap at all, for the "nearest" hint.
    need = (dice >= cfg.quote_threshold) if cfg.quote_threshold > 0 else np.ones_like(dice, dtype=bool)
    if not sims.costly:
        need |= dice > 0
    grounded = np.array([p.quote_span is not None for p in preds])
    need &= grounded[:, None]
    sim = np.zeros_like(dice)
    vetoed = np.zeros_like(dice, dtype=bool)
    conflicts: dict[tuple[int, int], str] = {}
    if need.any():
        prep_p, prep_g = prepared if prepared is not None else (prepare_claims(cfg, preds), prepare_claims(cfg, gold))
        idx = list(zip(*(a.tolist() for a in np.nonzero(need))))
        # (gold, prediction): a conflict reads "gold's words vs the prediction's"
        for (i, j), v in zip(idx, sims.compare_pairs([(prep_g[j], prep_p[i]) for i, j in idx], cut=cfg.statement_cut)):
            sim[i, j] = v.score
            if v.conflict is not None:
                vetoed[i, j] = True
                conflicts[(i, j)] = str(v.conflict)
    score = np.round(cfg.quote_weight * dice + cfg.statement_weight * sim, 6)
    passes = need & (dice >= cfg.quote_threshold) & (sim >= cfg.statement_cut) & grounded[:, None]
    cand = passes & ~vetoed

    pairs: list[Pair] = []
    if cand.any():

        big = 2.0 * (min(n_p, n_g) + 1)
        ii, jj = np.indices(dice.shape)
        tie = 1e-9 * (ii + jj) / (n_p + n_g)
        m = np.where(cand, score - tie, -big)
        rows, cols = linear_sum_assignment(m, maximize=True)
        for i, j in zip(rows.tolist(), cols.tolist()):
            if cand[i, j]:
                pairs.append(Pair(i, j, float(dice[i, j]), float(sim[i, j]), float(score[i, j])))
    pairs.sort(key=lambda p: (p.gold_index, p.pred_index))
    used_p = {p.pred_index for p in pairs}
    used_g = {p.gold_index for p in pairs}

    # Nearest = highest combined score among claims whose quotes overlap at all; a pair
    # the fact checks vetoed ranks first, since that is the reason the claim is unmatched.
    ruled_out = passes & vetoed
    ranked = np.where(need, score + 2.0 * ruled_out, -1.0)

    def unmatched(index: int, gold_side: bool) -> Unmatched:
        row, cands, vetoes = ((ranked[:, index], cand[:, index], ruled_out[:, index]) if gold_side
                              else (ranked[index, :], cand[index, :], ruled_out[index, :]))
        reason = "taken" if cands.any() else "fact_conflict" if vetoes.any() else "no_candidate"
        if row.size == 0 or row.max() < 0:
            return Unmatched(index, reason)
        k = int(np.argmax(row))
        i, j = (k, index) if gold_side else (index, k)
        return Unmatched(index, reason, k, float(dice[i, j]), float(sim[i, j]), conflicts.get((i, j)))

    missed = [unmatched(j, True) for j in range(n_g) if j not in used_g]
    spurious = [unmatched(i, False) if grounded[i] else Unmatched(i, "ungrounded") for i in range(n_p) if i not in used_p]
    return ArticleMatch(pairs, missed, spurious)
