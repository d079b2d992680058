"""Similarities the matcher is built from: quote-span Dice, statement similarity, claimant names.

Statement similarity compares the stand-alone statements, not the quotes: two claims
can share one quote ("X said A and denied B") and differ in what they state. The
default, ``TokenF1Similarity``, is offline and deterministic: a weighted token F1
(equivalently, a weighted Dice of token bags) over content words, lowercased, with
stopwords removed and a light suffix stemmer; names (capitalised tokens not at the start
of the statement) and numbers weigh ``entity_weight`` (default 2) because getting the
who and the how-many right matters more than the function words around them.

``StatementSimilarity`` is a protocol so that an embedding model or an LLM judge can
be plugged in later without touching the matcher.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, runtime_checkable

from claims.kernel.schema import Claimant, Span


def span_dice(a: Span | None, b: Span | None) -> float:
    """Character-level Dice of two half-open spans: 2|a∩b| / (|a| + |b|); 0 when either is missing."""
    if a is None or b is None:
        return 0.0
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    return 2.0 * inter / ((a.end - a.start) + (b.end - b.start))


def spans_overlap(a: Span | None, b: Span | None) -> bool:
    return a is not None and b is not None and min(a.end, b.end) > max(a.start, b.start)


@runtime_checkable
class StatementSimilarity(Protocol):
    """Similarity in [0, 1] between two stand-alone statements; must be deterministic."""

    name: str

    def prepare(self, statement: str) -> object:
        """Per-statement work done once (tokens, an embedding...), reused for every pair."""
        ...

    def score(self, a: object, b: object) -> float:
        """Similarity of two prepared statements."""
        ...


STOPWORDS = frozenset(
    """a an the and or but nor so yet of to in on at by for with from into onto about as than then
    that this these those there here it its it's is are was were be been being am do does did done
    have has had having will would shall should can could may might must not no yes he she they we
    you i me him her them us my your his their our who whom whose which what when where why how
    also just only very more most some any all each both either neither such own same other another
    said says say saying told tells according claimed claims claim stated states reported reports
    added adds noted notes""".split()
)

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|\w+(?:['’]\w+)*", re.UNICODE)
_SUFFIXES = (
    ("ations", "ate"), ("ation", "ate"), ("ies", "y"), ("ied", "y"), ("ings", ""), ("ing", ""),
    ("edly", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""),
)


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """A tiny suffix stripper: enough to match 'missiles'/'missile', 'attacked'/'attack', 'denies'/'deny'."""
    for suf, rep in _SUFFIXES:
        if token.endswith(suf) and len(token) - len(suf) >= 3:
            token = token[: -len(suf)] + rep
            break
    if token.endswith("e") and len(token) > 4:
        token = token[:-1]
    return token


@dataclass(frozen=True)
class TokenBag:
    weights: dict[str, float]
    total: float


class TokenF1Similarity:
    """Weighted token F1 over content words (see the module docstring)."""

    name = "token-f1"

    def __init__(self, entity_weight: float = 2.0) -> None:
        self.entity_weight = entity_weight

    def prepare(self, statement: str) -> TokenBag:
        return _bag(statement, self.entity_weight)

    def score(self, a: object, b: object) -> float:
        assert isinstance(a, TokenBag) and isinstance(b, TokenBag)
        if a.total == 0 or b.total == 0:
            return 1.0 if a.total == b.total == 0 else 0.0
        small, large = (a, b) if len(a.weights) <= len(b.weights) else (b, a)
        # Per-token weight is count * max weight; overlap uses the smaller of the two sides.
        overlap = sum(min(w, large.weights[k]) for k, w in small.weights.items() if k in large.weights)
        return 2.0 * overlap / (a.total + b.total)

    def __call__(self, a: str, b: str) -> float:
        return self.score(self.prepare(a), self.prepare(b))


@lru_cache(maxsize=65536)
def _bag(statement: str, entity_weight: float) -> TokenBag:
    """Token bag of one statement; cached because a statement meets many candidates."""
    counts: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for i, m in enumerate(_TOKEN.finditer(unicodedata.normalize("NFKC", statement))):
        tok = m.group(0)
        low = tok.casefold().replace("’", "'")
        if low in STOPWORDS:
            continue
        is_num = tok[0].isdigit()
        is_name = i > 0 and tok[0].isupper()
        key = low.replace(",", "") if is_num else stem(low)
        if not key:
            continue
        counts[key] += 1
        w = entity_weight if (is_num or is_name) else 1.0
        weight[key] = max(weight.get(key, 1.0), w)
    weights = {k: c * weight[k] for k, c in counts.items()}
    return TokenBag(weights, sum(weights.values()))


# --------------------------------------------------------------------------- claimants

_TITLES = frozenset(
    """mr mrs ms miss dr prof professor sir dame lord lady president vice prime minister pm
    gen general col colonel lt capt captain sgt sen senator rep gov governor st jr sr the""".split()
)
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’«»—–"})


def normalise_name(name: str | None) -> str | None:
    """Casefold, strip punctuation and titles: 'Mr. Dmitry Peskov' -> 'dmitry peskov'."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name).casefold().translate(_PUNCT)
    words = [w for w in text.split() if w not in _TITLES]
    return " ".join(words) or None


def claimant_known(c: Claimant) -> bool:
    """Gold says who the claimant is (by name, text, span, or a type other than unknown)."""
    return bool(c.name or c.text or c.span) or c.type.value != "unknown"


def claimant_correct(gold: Claimant, pred: Claimant, pred_attribution: str | None = None) -> bool:
    """Is the predicted claimant the gold claimant?

    - gold type ``author`` (the article asserts it): right when the prediction's type is
      author or its attribution is unattributed;
    - gold claimant unknown (no name, text, span; type unknown): not held against the run;
    - otherwise: the normalised names (or texts) agree, or the claimant spans overlap.
    """
    if gold.type.value == "author":
        return pred.type.value == "author" or pred_attribution == "unattributed"
    if not claimant_known(gold):
        return True
    if spans_overlap(gold.span, pred.span):
        return True
    gold_names = {n for n in (normalise_name(gold.name), normalise_name(gold.text)) if n}
    pred_names = {n for n in (normalise_name(pred.name), normalise_name(pred.text)) if n}
    return bool(gold_names & pred_names)
