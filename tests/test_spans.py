"""Span scores: hand-computed cases, and identical numbers to `nervaluate` on random span sets."""

from __future__ import annotations

import random

import pytest

from claims.evals.spans import SCHEMES, claim_spans, score_document, score_spans
from claims.kernel.schema import Attribution, Claim, Claimant, ClaimantType, Cue, Span

nervaluate = pytest.importorskip("nervaluate")

NV_NAME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")


def _nv(docs: list[tuple[list, list]], labels: list[str]) -> dict:
    true = [[{"label": l, "start": s, "end": e - 1} for l, s, e in t] for t, _ in docs]
    pred = [[{"label": l, "start": s, "end": e - 1} for l, s, e in p] for _, p in docs]
    return nervaluate.Evaluator(true, pred, tags=labels, loader="dict").evaluate()


def _random_doc(rng: random.Random, labels: list[str]) -> list[tuple[str, int, int]]:
    out = []
    for _ in range(rng.randint(0, 6)):
        s = rng.randint(0, 60)
        # mostly short spans, sometimes long ones (where nervaluate's 1% overlap rule bites)
        length = rng.randint(1, 12) if rng.random() < 0.8 else rng.randint(100, 400)
        out.append((rng.choice(labels), s, s + length))
    return sorted(out, key=lambda t: (t[1], t[2], t[0]))


def _perturb(rng: random.Random, gold: list[tuple[str, int, int]], labels: list[str]) -> list[tuple[str, int, int]]:
    pred = []
    for l, s, e in gold:
        r = rng.random()
        if r < 0.3:
            pred.append((l, s, e))
        elif r < 0.45:
            pred.append((rng.choice(labels), s, e))
        elif r < 0.7:
            s2 = max(0, s + rng.randint(-3, 3))
            pred.append((l if rng.random() < 0.7 else rng.choice(labels), s2, max(s2 + 1, e + rng.randint(-3, 3))))
        elif r < 0.8:
            pred.append((l, s, e))
            pred.append((l, s, e))  # duplicate
    pred += _random_doc(rng, labels)[: rng.randint(0, 2)]
    return sorted(pred, key=lambda t: (t[1], t[2], t[0]))


@pytest.mark.parametrize("seed", range(250))
def test_identical_to_nervaluate(seed: int) -> None:
    rng = random.Random(seed)
    labels = ["direct", "indirect", "unattributed"][: rng.randint(1, 3)]
    docs = []
    for _ in range(rng.randint(1, 4)):
        gold = _random_doc(rng, labels)
        docs.append((gold, _perturb(rng, gold, labels)))
    if not any(t or p for t, p in docs):
        docs.append(([("direct", 0, 5)], []))
    ours = score_spans(docs, "quote")
    theirs = _nv(docs, labels)
    for scheme in SCHEMES:
        nv = theirs["overall"][NV_NAME[scheme]]
        got = ours.schemes[scheme]
        for f in FIELDS:
            assert getattr(got, f) == pytest.approx(getattr(nv, f), abs=1e-12), (scheme, f)
        for lab, res in theirs["entities"].items():
            for f in FIELDS:
                assert getattr(ours.by_label[lab][scheme], f) == pytest.approx(getattr(res[NV_NAME[scheme]], f), abs=1e-12)


def test_hand_computed_nested_and_overlapping() -> None:
    gold = [("a", 0, 10), ("a", 20, 30)]
    # exact hit; a nested span inside the second; a spurious one far away
    pred = [("a", 0, 10), ("b", 22, 28), ("a", 50, 55)]
    strict = score_document(gold, pred, "strict")
    assert (strict.correct, strict.incorrect, strict.partial, strict.missed, strict.spurious) == (1, 1, 0, 0, 1)
    partial = score_document(gold, pred, "partial")
    assert (partial.correct, partial.partial, partial.missed, partial.spurious) == (1, 1, 0, 1)
    typ = score_document(gold, pred, "type")
    assert (typ.correct, typ.incorrect, typ.spurious) == (1, 1, 1)
    scores = score_spans([(gold, pred)], "quote").schemes
    # partial: (1 + 0.5) / 3 actual, / 2 possible
    assert scores["partial"].precision == pytest.approx(1.5 / 3)
    assert scores["partial"].recall == pytest.approx(1.5 / 2)
    assert scores["strict"].precision == pytest.approx(1 / 3)


def test_empty_sides() -> None:
    s = score_spans([([], [])], "cue").schemes["strict"]
    assert (s.possible, s.actual, s.f1) == (0, 0, 0.0)
    s = score_spans([([("cue", 0, 4)], [])], "cue").schemes["exact"]
    assert (s.missed, s.recall) == (1, 0.0)


def test_claim_span_labels_and_unicode_offsets() -> None:
    text = "Ölçü «naïve» said Peskov."
    c = Claim(
        statement="x", quote="naïve", quote_span=Span(start=6, end=11), attribution=Attribution.direct,
        claimant=Claimant(text="Peskov", span=Span(start=18, end=24), type=ClaimantType.person),
        cue=Cue(text="said", span=Span(start=13, end=17)),
    )
    assert c.span_problems(text) == []
    assert claim_spans([c], "quote") == [("direct", 6, 11)]
    assert claim_spans([c], "claimant") == [("person", 18, 24)]
    assert claim_spans([c], "cue") == [("cue", 13, 17)]
    unlabelled = c.model_copy(update={"attribution": None})
    assert claim_spans([unlabelled], "quote") == [("claim", 6, 11)]
