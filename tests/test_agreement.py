"""Inter-annotator agreement (evals.agreement) on small hand-made label sets with hand-computed answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.evals.agreement import cohen_kappa, double_agreement
from claims.evals.gold import load_gold, write_gold_file
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, GoldArticle, Span, text_sha256

TEXT = "Peskov said Moscow was not involved. Aliyev said a missile hit the plane. Officials said the probe is ongoing. Share this."
AID = "art00"


def claim(quote: str, name: str, certainty: Certainty, statement: str | None = None) -> Claim:
    s = TEXT.index(quote)
    return Claim(
        statement=statement or quote,
        quote=quote,
        quote_span=Span(start=s, end=s + len(quote)),
        claimant=Claimant(name=name, type=ClaimantType.person),
        attribution=Attribution.indirect,
        certainty=certainty,
    )


def gold_article(claims: list[Claim], who: str) -> GoldArticle:
    return GoldArticle(article_id=AID, text_sha256=text_sha256(TEXT), labelled_by=who, guideline_version="v2", claims=claims)


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    root = tmp_path / "gold"
    (root / "articles").mkdir(parents=True)
    (root / "double").mkdir()
    (root / "articles" / f"{AID}.txt").write_text(TEXT, encoding="utf-8")
    a = [
        claim("Moscow was not involved", "Peskov", Certainty.asserted),
        claim("a missile hit the plane", "Aliyev", Certainty.hedged),
        claim("the probe is ongoing", "officials", Certainty.asserted),
    ]
    b = [
        claim("Moscow was not involved", "Peskov", Certainty.denied),  # same claim, certainty differs
        claim("missile hit the plane", "Ilham Aliyev", Certainty.hedged, "a missile hit the plane"),  # boundary + name
        claim("Share this", "nobody", Certainty.asserted),  # only in B; A's probe claim only in A
    ]
    write_gold_file(root / "articles" / f"{AID}.gold.yaml", gold_article(a, "A"))
    write_gold_file(root / "double" / f"{AID}.a.yaml", gold_article(a, "A"))
    write_gold_file(root / "double" / f"{AID}.b.yaml", gold_article(b, "B"))
    return root


def test_cohen_kappa_by_hand():
    # observed 3/4; marginals a:2,b:2 vs a:1,b:3 -> expected (2*1 + 2*3)/16 = 1/2; kappa = (3/4 - 1/2)/(1/2)
    assert cohen_kappa([("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]) == pytest.approx(0.5)
    assert cohen_kappa([("a", "a"), ("b", "b")]) == pytest.approx(1.0)
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement 1: undefined
    assert cohen_kappa([]) is None


def test_figures_on_a_hand_made_pair(gold: Path):
    [r] = double_agreement(load_gold(gold))
    assert (r.n_first, r.n_second, r.matched) == (3, 3, 2)
    assert r.precision == pytest.approx(2 / 3) and r.recall == pytest.approx(2 / 3) and r.f1 == pytest.approx(2 / 3)
    # only Peskov's claimant agrees ("Aliyev" vs "Ilham Aliyev" differ): attributed TP 1 of 3 each side
    assert r.attributed_f1 == pytest.approx(1 / 3)
    assert r.fields["claimant_name"] == (1, 2)
    assert r.fields["certainty"] == (1, 2) and r.fields_reverse["certainty"] == (1, 2)
    assert r.fields["attribution"] == (2, 2)
    # certainty pairs (asserted, denied), (hedged, hedged): observed 1/2, expected 1/4 -> (1/2 - 1/4)/(3/4)
    assert r.kappa["certainty"] == pytest.approx(1 / 3)
    assert r.kappa["attribution"] is None
    # quotes: 1 identical, 1 boundary difference, 1 missed, 1 spurious
    correct, partial, possible, actual, f1 = r.quote_spans["exact"]
    assert (correct, possible, actual) == (1, 3, 3) and f1 == pytest.approx(1 / 3)
    correct, partial, possible, actual, f1 = r.quote_spans["partial"]
    assert (correct, partial) == (1, 1) and f1 == pytest.approx(0.5)


def test_cli(gold: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from claims.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["gold", "agreement", "--gold", str(gold), "--detail"])
    out = r.output
    assert r.exit_code == 0 and "F1 0.667" in out and "kappa 0.333" in out
    assert "only first  #2: 'the probe is ongoing'" in out and "only second #2: 'Share this'" in out
    assert "certainty: 'asserted' vs 'denied'" in out
    (tmp_path / "plain" / "articles").mkdir(parents=True)
    (tmp_path / "plain" / "articles" / f"{AID}.txt").write_text(TEXT, encoding="utf-8")
    write_gold_file(tmp_path / "plain" / "articles" / f"{AID}.gold.yaml", gold_article([], "A"))
    r = runner.invoke(app, ["gold", "agreement", "--gold", str(tmp_path / "plain")])
    assert r.exit_code == 2 and "no double-labelled articles" in r.output
