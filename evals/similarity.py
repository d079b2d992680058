"""The matcher's own similarities: quote-span Dice and claimant names.

Statement similarity (lexical, embedding, judge, and the fact checks in front of them)
is the shared similarity layer in ``extract/similarity``, reached through
``claims.extract``; what is here is specific to scoring claims against gold.
"""

from __future__ import annotations

import string
import unicodedata

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
