"""Per-role attribution span scores, checked against hand-computed counts."""

from __future__ import annotations

import pytest

from claims.evals.attribution import role_spans, score_roles
from claims.evals.brat import Link, parse_ann
from claims.kernel.brat import TextBound

TEXT = "“A thing,” he said, “and another.” Aides said it was over."
# “A thing,” 0-10, he 11-13, said 14-18, “and another.” 20-34, Aides 35-40, said 41-45, it was over 46-57


def _tb(a: int, b: int, *more: tuple[int, int]) -> list[TextBound]:
    frags = ((a, b), *more)
    return [TextBound("T", "x", frags, TEXT[frags[0][0] : frags[-1][1]])]


GOLD = [
    Link(content=_tb(0, 10, (20, 34)), source=_tb(11, 13), cue=_tb(14, 18)),
    Link(content=_tb(46, 57), source=_tb(35, 40), cue=_tb(41, 45)),
]


def test_fragments_are_spans_and_whitespace_is_trimmed() -> None:
    padded = [Link(content=_tb(45, 57))]
    assert role_spans(TEXT, padded, "content") == [("content", 46, 57)]
    assert role_spans(TEXT, GOLD, "content") == [("content", 0, 10), ("content", 20, 34), ("content", 46, 57)]


def test_hand_computed_exact_and_partial() -> None:
    pred = [
        Link(content=_tb(0, 34), source=_tb(11, 13), cue=_tb(14, 18)),  # content not split: overlaps one fragment
        Link(content=_tb(46, 57), source=_tb(35, 40), cue=_tb(35, 45)),  # cue too long
        Link(content=_tb(41, 45), cue=_tb(41, 45)),  # a cue read as content
    ]
    s = score_roles([(TEXT, GOLD, pred)])
    src = s["source"].schemes["exact"]
    assert (src.correct, src.missed, src.spurious, src.precision, src.recall) == (2, 0, 0, 1.0, 1.0)
    cue = s["cue"].schemes["exact"]
    # predictions in order: 14-18 correct; 35-45 overlaps gold 41-45 and claims it (incorrect);
    # 41-45 then finds its gold span taken (spurious), as nervaluate counts
    assert (cue.correct, cue.incorrect, cue.spurious, cue.missed) == (1, 1, 1, 0)
    assert cue.precision == pytest.approx(1 / 3) and cue.recall == pytest.approx(1 / 2)
    content = s["content"].schemes["exact"]
    # 0-34 overlaps 0-10 (incorrect), 41-45 overlaps nothing (spurious), 46-57 correct; 20-34 missed
    assert (content.correct, content.incorrect, content.spurious, content.missed) == (1, 1, 1, 1)
    part = s["content"].schemes["partial"]
    assert part.precision == pytest.approx(1.5 / 3) and part.recall == pytest.approx(1.5 / 3)


def test_empty_predictions_score_zero_recall() -> None:
    s = score_roles([(TEXT, GOLD, [])])
    assert s["cue"].schemes["exact"].recall == 0.0 and s["cue"].schemes["exact"].missed == 2


def test_from_brat_text() -> None:
    ann = "T1\tSource 35 40\tAides\nT2\tCue 41 45\tsaid\nT3\tContent 46 57\tit was over\nE1\tAttribution:T2 Source:T1 Content:T3\n"
    found = parse_ann(ann, TEXT, "x.ann")
    s = score_roles([(TEXT, found, found)])
    assert all(s[r].schemes["exact"].f1 == 1.0 for r in ("source", "cue", "content"))
