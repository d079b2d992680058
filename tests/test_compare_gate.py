"""Comparison (gained/lost claims, field flips) and the non-inferiority gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.evals.compare import compare
from claims.evals.evaluate import EvalOptions, evaluate
from claims.evals.gate import run_gate
from claims.evals.gold import GoldSet
from claims.kernel.rundir import Run
from claims.kernel.schema import ArticleClaims, Certainty, Claim, GoldArticle, Provenance, Span, text_sha256

TEXT = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."
SENTS = [(0, 23), (24, 47), (48, 69)]


def claim(k: int, certainty: Certainty = Certainty.asserted) -> Claim:
    s, e = SENTS[k]
    return Claim(statement=TEXT[s:e - 1], quote=TEXT[s:e], quote_span=Span(start=s, end=e), certainty=certainty)


def gold_set(n: int) -> GoldSet:
    gs = GoldSet(root=Path("gold"))
    for i in range(n):
        aid = f"a{i:02d}"
        gs.texts[aid] = TEXT
        gs.articles[aid] = GoldArticle(article_id=aid, text_sha256=text_sha256(TEXT), labelled_by="t",
                                       guideline_version="1", claims=[claim(0), claim(1), claim(2)])
    return gs


def run(name: str, per_article: dict[str, list[Claim]]) -> Run:
    return Run(path=Path(name), records={
        aid: ArticleClaims(article_id=aid, text_sha256=text_sha256(TEXT), claims=cl,
                           provenance=Provenance(backend="test", toolkit_version="0"))
        for aid, cl in per_article.items()
    })


OPTS = EvalOptions(resamples=300, floor=False, ceiling=False)


def test_gained_lost_and_flips() -> None:
    gs = gold_set(2)
    base = evaluate(gs, run("base", {"a00": [claim(0), claim(1)], "a01": [claim(0)]}), OPTS)
    head = evaluate(gs, run("head", {"a00": [claim(0, Certainty.hedged), claim(2)], "a01": [claim(0)]}), OPTS)
    cmp = compare(base, head, resamples=300)
    d = cmp.articles[0]
    assert [c.gold_index for c in d.gained] == [2] and [c.gold_index for c in d.lost] == [1]
    assert [(f.gold_index, f.field, f.direction, f.base, f.head) for f in d.flips] == [(0, "certainty", "broken", "asserted", "hedged")]
    assert cmp.articles[1].gained == cmp.articles[1].lost == []
    assert (cmp.gained, cmp.lost) == (1, 1) and cmp.flips["certainty"] == {"fixed": 0, "broken": 1}
    assert cmp.delta_f1 == pytest.approx(0.0)
    assert {(t.method, t.metric) for t in cmp.tests} == {
        ("paired_bootstrap", "f1"), ("approximate_randomization", "f1"),
        ("paired_bootstrap", "attributed_f1"), ("approximate_randomization", "attributed_f1")}


def test_gate_passes_identical_and_fails_clearly_worse() -> None:
    gs = gold_set(20)
    perfect = {aid: [claim(0), claim(1), claim(2)] for aid in gs.articles}
    worse = {aid: [claim(0)] for aid in gs.articles}
    base = evaluate(gs, run("base", perfect), OPTS)
    same = evaluate(gs, run("head", perfect), OPTS)
    bad = evaluate(gs, run("bad", worse), OPTS)
    g = run_gate(same, compare(base, same, resamples=300), max_drop=0.02, confidence=0.95)
    assert g.passed and g.checks[0].value == 0.0
    g = run_gate(bad, compare(base, bad, resamples=300), max_drop=0.02, confidence=0.95)
    assert not g.passed and "dropped beyond the margin" in g.reasons[0]


def test_gate_small_drop_within_margin_passes() -> None:
    gs = gold_set(40)
    perfect = {aid: [claim(0), claim(1), claim(2)] for aid in gs.articles}
    one_less = dict(perfect, a00=[claim(0), claim(1)])
    base = evaluate(gs, run("base", perfect), OPTS)
    head = evaluate(gs, run("head", one_less), OPTS)
    cmp = compare(base, head, resamples=500)
    assert -0.02 < cmp.delta_f1 < 0
    assert run_gate(head, cmp, max_drop=0.02).passed
    assert not run_gate(head, cmp, max_drop=0.001).passed


def test_absolute_floors() -> None:
    gs = gold_set(3)
    r = evaluate(gs, run("r", {aid: [claim(0)] for aid in gs.articles}), OPTS)  # P 1, R 1/3, F1 0.5
    assert run_gate(r, min_f1=0.5).passed
    g = run_gate(r, min_f1=0.6, min_attributed_f1=0.4)
    assert not g.passed and [c.passed for c in g.checks] == [False, True]
    assert run_gate(r).passed and run_gate(r).checks == []


def test_attributed_margin_catches_lost_claimants() -> None:
    """Same claims, claimants dropped: claim F1 is unchanged, only the attributed margin fails."""
    from claims.kernel.schema import Claimant, ClaimantType

    def said(k: int, who: str | None) -> Claim:
        c = claim(k)
        return c.model_copy(update={"claimant": Claimant(name=who, type=ClaimantType.person if who else ClaimantType.unknown)})

    gs = gold_set(20)
    for g in gs.articles.values():
        g.claims = [said(k, "Dmitry Peskov") for k in range(3)]
    base = evaluate(gs, run("base", {aid: [said(k, "Dmitry Peskov") for k in range(3)] for aid in gs.articles}), OPTS)
    head = evaluate(gs, run("head", {aid: [said(k, None) for k in range(3)] for aid in gs.articles}), OPTS)
    cmp = compare(base, head, resamples=300)
    assert cmp.delta_f1 == 0.0 and cmp.delta_attributed_f1 == -1.0
    assert run_gate(head, cmp, max_drop=0.02).passed  # claim F1 alone cannot see it
    g = run_gate(head, cmp, max_drop=0.02, max_attributed_drop=0.05)
    assert not g.passed and g.reasons == [next(c.message for c in g.checks if c.name == "non_inferiority_attributed")]
