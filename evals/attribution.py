"""Attribution spans scored per role (Source, Cue, Content), as attribution corpora report them.

Gold and predictions are brat attributions (``claims.evals.brat.links``). Each role's
spans are its fragments, as a tagger's label runs are: a content interrupted by its
source ("“A,” he said, “B.”") is two Content spans. Fragments are compared after
trimming whitespace. Counting is SemEval-2013's, as in ``claims.evals.spans``
(nervaluate's rules): *exact* counts a prediction correct only with the same
boundaries, *partial* counts an overlap as half.

The ceiling is the agreement between annotators of the same article: every further
annotator is scored against the first (whose labels are the gold).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from claims.evals.brat import Link
from claims.evals.results import SpanScores
from claims.evals.spans import SpanTuple, score_spans

ROLES: tuple[str, ...] = ("source", "cue", "content")
_KIND = {"source": "claimant", "cue": "cue", "content": "quote"}


def role_spans(text: str, found: Iterable[Link], role: str) -> list[SpanTuple]:
    """The role's fragments as (label, start, end), whitespace trimmed, sorted, no duplicates."""
    out: set[SpanTuple] = set()
    for lk in found:
        for a, b in lk.fragments(role):
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                out.add((role, a, b))
    return sorted(out, key=lambda t: (t[1], t[2]))


def score_roles(docs: Iterable[tuple[str, Sequence[Link], Sequence[Link]]]) -> dict[str, SpanScores]:
    """Per role, pooled over ``docs`` of (text, gold links, predicted links)."""
    docs = list(docs)
    return {
        role: score_spans(((role_spans(t, g, role), role_spans(t, p, role)) for t, g, p in docs), _KIND[role])  # type: ignore[arg-type]
        for role in ROLES
    }
