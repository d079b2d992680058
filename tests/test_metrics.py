"""Claim, attributed, macro, per-field scores and the evaluate() orchestration, hand-computed."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.evals.evaluate import EvalOptions, evaluate
from claims.evals.gold import GoldSet
from claims.evals.matching import MatchConfig
from claims.evals.metrics import field_scores, pooled, prf, score_article
from claims.kernel.rundir import Run, RunError
from claims.kernel.schema import ArticleClaims, Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, GoldArticle, Provenance, Span, text_sha256

CFG = MatchConfig()


def C(statement: str, start: int, end: int, who: str | None = None, typ: ClaimantType = ClaimantType.person, **kw: object) -> Claim:
    return Claim(
        statement=statement, quote="q" * (end - start), quote_span=Span(start=start, end=end),
        claimant=Claimant(name=who, type=typ), **kw,  # type: ignore[arg-type]
    )


def test_prf_conventions() -> None:
    assert prf(0, 0, 0).f1 == 1.0 and prf(0, 0, 0).precision == 1.0
    assert (prf(0, 3, 0).precision, prf(0, 3, 0).recall, prf(0, 3, 0).f1) == (0.0, 0.0, 0.0)
    assert (prf(0, 0, 2).precision, prf(0, 0, 2).recall) == (0.0, 0.0)
    p = prf(2, 1, 1)
    assert (p.precision, p.recall, p.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_attributed_lower_when_claimant_wrong() -> None:
    gold = [C("Peskov denied the strike", 0, 30, "Dmitry Peskov"), C("Baku demanded compensation", 40, 70, "Ilham Aliyev"),
            C("The plane crashed near Aktau", 80, 110, None, ClaimantType.author)]
    preds = [C("Peskov denied the strike", 0, 30, "Mr. Dmitry Peskov"),  # right (normalised)
             C("Baku demanded compensation", 40, 70, "Sergei Lavrov"),  # wrong claimant
             C("The plane crashed near Aktau", 80, 110, None, ClaimantType.unknown, attribution=Attribution.unattributed),
             C("Something unrelated entirely", 200, 230)]
    a = score_article("x", gold, preds, CFG)
    assert (a.claims.tp, a.claims.fp, a.claims.fn) == (3, 1, 0)
    assert (a.attributed.tp, a.attributed.fp, a.attributed.fn) == (2, 2, 1)
    assert a.claims.f1 == pytest.approx(2 * 0.75 * 1 / 1.75)
    assert a.attributed.f1 == pytest.approx(2 / 3 * 0.5 * 2 / (2 / 3 + 0.5)) and a.attributed.f1 < a.claims.f1
    assert [p.claimant_correct for p in a.matched] == [True, False, True]
    assert [u.index for u in a.spurious] == [3]


def test_micro_and_macro_with_empty_articles() -> None:
    full = score_article("a", [C("one two three", 0, 10), C("four five six", 10, 20)],
                         [C("one two three", 0, 10), C("four five six", 10, 20)], CFG)
    both_empty = score_article("b", [], [], CFG)
    spurious_only = score_article("c", [], [C("seven eight", 0, 10)], CFG)
    missing = score_article("d", [C("nine ten", 0, 10)], None, CFG)
    assert both_empty.claims.f1 == 1.0 and spurious_only.claims.f1 == 0.0
    assert not missing.in_run and missing.missed[0].reason == "article_missing"
    micro, attributed, mp, mr, mf = pooled([full, both_empty, spurious_only, missing])
    assert (micro.tp, micro.fp, micro.fn) == (2, 1, 1)
    assert micro.f1 == pytest.approx(2 / 3)
    assert mf == pytest.approx((1 + 1 + 0 + 0) / 4)
    assert mp == pytest.approx((1 + 1 + 0 + 0) / 4)


def test_field_scores_exclude_unknown_gold_and_confusion() -> None:
    gold = [C("aaa bbb", 0, 10, "X", attribution=Attribution.direct, certainty=Certainty.hedged),
            C("ccc ddd", 10, 20, None, attribution=None, certainty=Certainty.denied),
            C("eee fff", 20, 30, "Z", attribution=Attribution.indirect, certainty=None)]
    preds = [C("aaa bbb", 0, 10, "x.", attribution=Attribution.direct, certainty=Certainty.asserted),
             C("ccc ddd", 10, 20, "Y", attribution=Attribution.direct, certainty=Certainty.denied),
             C("eee fff", 20, 30, "W", attribution=None, certainty=Certainty.hedged)]
    fs = field_scores([score_article("x", gold, preds, CFG)])
    assert (fs["claimant_name"].scored, fs["claimant_name"].correct, fs["claimant_name"].excluded_unknown) == (2, 1, 1)
    assert fs["claimant_name"].confusion is None
    att = fs["attribution"]
    assert (att.scored, att.correct, att.excluded_unknown, att.accuracy) == (2, 1, 1, 0.5)
    labels = att.confusion.labels  # type: ignore[union-attr]
    counts = att.confusion.counts  # type: ignore[union-attr]
    assert counts[labels.index("direct")][labels.index("direct")] == 1
    assert counts[labels.index("indirect")][labels.index("none")] == 1
    cert = fs["certainty"]
    assert (cert.scored, cert.correct) == (2, 1)
    assert fs["claimant_type"].accuracy == 1.0


def _gold_set(texts: dict[str, str], claims: dict[str, list[Claim]]) -> GoldSet:
    gs = GoldSet(root=Path("gold"))
    for aid, text in texts.items():
        gs.texts[aid] = text
        gs.articles[aid] = GoldArticle(article_id=aid, text_sha256=text_sha256(text), labelled_by="t",
                                       guideline_version="1", claims=claims[aid])
        gs.files[aid] = Path(f"gold/articles/{aid}.gold.yaml")
    return gs


def _record(aid: str, text: str, claims: list[Claim]) -> ArticleClaims:
    return ArticleClaims(article_id=aid, text_sha256=text_sha256(text), claims=claims,
                         provenance=Provenance(backend="test", toolkit_version="0"))


def test_evaluate_missing_extra_and_spans() -> None:
    text = "Peskov said the missile was not Russian. Aliyev said it was."
    g = Claim(statement="The missile was not Russian", quote=text[12:39], quote_span=Span(start=12, end=39),
              claimant=Claimant(text="Peskov", span=Span(start=0, end=6), name="Peskov", type=ClaimantType.person),
              cue=Cue(text="said", span=Span(start=7, end=11)), attribution=Attribution.indirect, certainty=Certainty.denied)
    gs = _gold_set({"a": text, "b": text}, {"a": [g], "b": [g]})
    run = Run(path=Path("runs/x"), records={"a": _record("a", text, [g]), "zzz": _record("zzz", "other", [])})
    r = evaluate(gs, run, EvalOptions(resamples=50, floor=False))
    assert r.missing_articles == ["b"] and r.extra_articles == ["zzz"]
    assert (r.claims.tp, r.claims.fp, r.claims.fn) == (1, 0, 1)
    assert r.spans["quote"].schemes["strict"].correct == 1 and r.spans["quote"].schemes["strict"].missed == 1
    assert r.spans["cue"].schemes["exact"].precision == 1.0
    assert r.ceiling is None and any("ceiling" in n for n in r.notes)
    assert r.articles[0].text == text


def test_hash_mismatch_names_article() -> None:
    gs = _gold_set({"a": "some text"}, {"a": []})
    run = Run(path=Path("runs/x"), records={"a": _record("a", "other text", [])})
    with pytest.raises(RunError, match="'a'"):
        evaluate(gs, run, EvalOptions(resamples=0, floor=False))


def test_floor_and_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "One claim here. Another claim there."
    g1 = Claim(statement="One claim here", quote="One claim here.", quote_span=Span(start=0, end=15))
    g2 = Claim(statement="Another claim there", quote="Another claim there.", quote_span=Span(start=16, end=36))
    gs = _gold_set({"a": text}, {"a": [g1, g2]})
    second = GoldArticle(article_id="a", text_sha256=text_sha256(text), labelled_by="b", guideline_version="1", claims=[g1])
    gs.double["a"] = [gs.articles["a"], second]

    import claims.evals.evaluate as ev

    monkeypatch.setattr(ev, "backend_predictions", lambda name, gold: {"a": [g2]})
    r = evaluate(gs, Run(path=Path("r"), records={"a": _record("a", text, [g1, g2])}), EvalOptions(resamples=0))
    assert r.floor is not None and r.floor.claims.tp == 1 and r.floor.claims.f1 == pytest.approx(2 / 3)
    # ceiling: first set as gold (2 claims), second as prediction (1 claim): P 1, R 1/2
    assert r.ceiling is not None and r.ceiling.claims.f1 == pytest.approx(2 / 3) and r.ceiling.n_articles == 1
