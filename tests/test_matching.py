"""Matching: candidates need both quote overlap and statement similarity; one-to-one; deterministic."""

from __future__ import annotations

import pytest

from claims.evals.matching import MatchConfig, dice_matrix, match_article
from claims.evals.similarity import claimant_correct, normalise_name, span_dice
from claims.extract import Similarity, TokenF1Similarity, stem
from claims.kernel.schema import Attribution, Claim, Claimant, ClaimantType, Span


def C(statement: str, start: int | None, end: int | None, **kw: object) -> Claim:
    if start is None:
        return Claim(statement=statement, quote="q", grounded=False, **kw)  # type: ignore[arg-type]
    return Claim(statement=statement, quote="q" * (end - start), quote_span=Span(start=start, end=end), **kw)  # type: ignore[arg-type,operator]


def test_span_dice_hand_computed() -> None:
    assert span_dice(Span(start=0, end=10), Span(start=5, end=15)) == pytest.approx(2 * 5 / 20)
    assert span_dice(Span(start=0, end=20), Span(start=5, end=10)) == pytest.approx(2 * 5 / 25)  # nested
    assert span_dice(Span(start=0, end=10), Span(start=10, end=20)) == 0.0  # touching, half-open
    assert span_dice(Span(start=3, end=9), Span(start=3, end=9)) == 1.0
    assert span_dice(None, Span(start=0, end=1)) == 0.0


def test_dice_matrix_agrees_with_span_dice() -> None:
    preds = [C("a", 0, 10), C("b", None, None), C("c", 4, 30)]
    gold = [C("a", 5, 15), C("b", 0, 30)]
    m = dice_matrix(preds, gold)
    for i, p in enumerate(preds):
        for j, g in enumerate(gold):
            assert m[i, j] == pytest.approx(span_dice(p.quote_span, g.quote_span))


def test_statement_similarity_hand_computed() -> None:
    sim = TokenF1Similarity()
    # content tokens: "missiles"->missile, "hit"; vs "missile", "hit", "plane"
    assert sim("The missiles hit", "A missile hit the plane") == pytest.approx(2 * 2 / (2 + 3))
    # names and numbers weigh 2: {Peskov:2, 42:2, troop:1} vs {Peskov:2, troop:1}
    assert sim("It was Peskov: 42 troops", "so Peskov troops") == pytest.approx(2 * 3 / (5 + 3))
    assert sim("Russia denied involvement", "Ukraine launched drones") == 0.0
    assert stem("attacked") == stem("attack") == "attack"
    assert stem("missiles") == stem("missile")
    assert stem("denies") == stem("denied") == stem("deny")


def test_normalise_and_claimant() -> None:
    assert normalise_name("Mr. Dmitry Peskov") == "dmitry peskov"
    assert normalise_name("  ") is None
    g = Claimant(name="Dmitry Peskov", type=ClaimantType.person)
    assert claimant_correct(g, Claimant(name="dmitry peskov"))
    assert not claimant_correct(g, Claimant(name="Sergei Lavrov"))
    # spans overlapping count even when the names differ
    gs = Claimant(text="Peskov", span=Span(start=10, end=16), name="Dmitry Peskov", type=ClaimantType.person)
    assert claimant_correct(gs, Claimant(text="Kremlin spokesman Peskov", span=Span(start=0, end=16), name="Kremlin"))
    author = Claimant(type=ClaimantType.author)
    assert claimant_correct(author, Claimant(type=ClaimantType.author))
    assert claimant_correct(author, Claimant(type=ClaimantType.unknown), "unattributed")
    assert not claimant_correct(author, Claimant(name="Peskov", type=ClaimantType.person), "direct")


def test_empty_sides() -> None:
    assert match_article([], []).pairs == []
    m = match_article([C("a", 0, 5)], [])
    assert [u.index for u in m.missed] == [0] and m.spurious == []
    m = match_article([], [C("a", 0, 5), C("b", None, None)])
    assert [(u.index, u.reason) for u in m.spurious] == [(0, "no_candidate"), (1, "ungrounded")]


def test_duplicate_predictions_only_first_matches() -> None:
    gold = [C("Russia shot down the plane", 0, 40)]
    preds = [C("Russia shot down the plane", 0, 40), C("Russia shot down the plane", 0, 40)]
    m = match_article(gold, preds)
    assert [(p.pred_index, p.gold_index) for p in m.pairs] == [(0, 0)]
    assert [(u.index, u.reason) for u in m.spurious] == [(1, "taken")]


def test_same_quote_different_statement_does_not_match() -> None:
    gold = [C("Peskov denied that Russia shot down the plane", 0, 60)]
    preds = [C("Azerbaijan closed its airspace to flights", 0, 60)]
    m = match_article(gold, preds)
    assert m.pairs == []
    assert m.spurious[0].reason == "no_candidate" and m.spurious[0].nearest_quote_dice == 1.0


def test_one_prediction_over_two_gold_claims_matches_one() -> None:
    # One prediction spans both gold quotes (Dice 2*30/(60+30) = 2/3 with each); it states
    # the second gold claim, so with a quote threshold below 2/3 it matches that one only.
    gold = [C("Russia shot down the plane", 0, 30), C("Baku demanded compensation", 30, 60)]
    preds = [C("Baku demanded compensation from Moscow", 0, 60)]
    m = match_article(gold, preds, MatchConfig(quote_threshold=0.6))
    assert [(p.pred_index, p.gold_index) for p in m.pairs] == [(0, 1)]
    assert [u.index for u in m.missed] == [0]
    # Under the default (0.7) a quote twice as long as the gold one is not the same passage.
    assert match_article(gold, preds).pairs == []


def test_assignment_is_global_not_greedy() -> None:
    # Greedy on pred 0 would take gold 0 (score higher) and leave pred 1 unmatched.
    gold = [C("plane crash Aktau", 0, 20), C("plane crash Aktau airport", 20, 40)]
    preds = [C("plane crash Aktau", 0, 30), C("plane crash Aktau", 0, 20)]
    cfg = MatchConfig(quote_threshold=0.3, statement_threshold=0.3)
    m = match_article(gold, preds, cfg)
    assert len(m.pairs) == 2


def test_ties_resolve_by_order() -> None:
    gold = [C("same claim here", 0, 10), C("same claim here", 0, 10)]
    preds = [C("same claim here", 0, 10), C("same claim here", 0, 10)]
    m = match_article(gold, preds)
    assert [(p.pred_index, p.gold_index) for p in m.pairs] == [(0, 0), (1, 1)]


def test_ungrounded_prediction_never_matches() -> None:
    gold = [C("Russia shot down the plane", 0, 40)]
    m = match_article(gold, [C("Russia shot down the plane", None, None)])
    assert m.pairs == [] and m.spurious[0].reason == "ungrounded"


def test_thresholds_are_inclusive_and_respected() -> None:
    gold = [C("Russia shot down the plane", 0, 10)]
    preds = [C("Russia shot down the plane", 5, 15)]  # Dice 0.5
    assert len(match_article(gold, preds, MatchConfig(quote_threshold=0.5)).pairs) == 1
    assert match_article(gold, preds, MatchConfig(quote_threshold=0.51)).pairs == []


def test_unicode_offsets() -> None:
    text = "«Лавров» сказал: „Ракета“ — 🚀 попала в самолёт."
    q = "Ракета“ — 🚀 попала"
    s = text.index(q)
    gold = [Claim(statement="Ракета попала в самолёт", quote=q, quote_span=Span(start=s, end=s + len(q)))]
    pred = [Claim(statement="Ракета попала в самолёт", quote=q[:-7], quote_span=Span(start=s, end=s + len(q) - 7))]
    assert gold[0].span_problems(text) == [] and pred[0].span_problems(text) == []
    m = match_article(gold, pred)
    assert m.pairs[0].quote_dice == pytest.approx(2 * (len(q) - 7) / (2 * len(q) - 7))


def test_similarity_is_pluggable() -> None:
    class Always:
        name = "always"
        threshold = 0.5
        costly = False

        def prepare(self, statements: list[str]) -> list[object]:
            return list(statements)

        def score(self, a: object, b: object) -> float:
            return 1.0

    assert isinstance(Always(), Similarity)
    gold = [C("one thing", 0, 10)]
    preds = [C("something else entirely", 0, 10)]
    assert match_article(gold, preds).pairs == []
    assert len(match_article(gold, preds, MatchConfig(similarity=Always())).pairs) == 1
    # the fact checks guard a plugged-in similarity too: a changed number never matches
    wrong = match_article([C("12 people were injured", 0, 10)], [C("21 people were injured", 0, 10)],
                          MatchConfig(similarity=Always()))
    assert wrong.pairs == [] and wrong.missed[0].reason == "fact_conflict"
    assert wrong.missed[0].nearest_conflict == "number: '12 people' vs '21 people'"


def test_attribution_field_irrelevant_to_matching() -> None:
    gold = [C("Russia shot down the plane", 0, 40, attribution=Attribution.direct)]
    preds = [C("Russia shot down the plane", 0, 40, attribution=Attribution.indirect)]
    assert len(match_article(gold, preds).pairs) == 1
