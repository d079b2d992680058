"""`claims export RUN --format brat`: one .ann per article, both conventions, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.brat import parse_ann
from claims.extract.export_brat import article_ann
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, Span

TEXT = "Officials said that the plant will close. “We are done,” Smith said, “for good.” The sky is blue today."


def _span(s: str, start: int = 0) -> Span:
    i = TEXT.index(s, start)
    return Span(start=i, end=i + len(s))


def _claim(quote: str, who: str | None, cue: str | None, *, after: int = 0, kind=ClaimantType.person, attr=Attribution.indirect) -> Claim:
    return Claim(
        statement=quote, quote=quote, quote_span=_span(quote, after),
        claimant=Claimant(text=who, span=_span(who, after) if who else None, name=who, type=kind),
        cue=Cue(text=cue, span=_span(cue, after)) if cue else None, attribution=attr, certainty=Certainty.asserted,
    )


CLAIMS = [
    _claim("the plant will close", "Officials", "said", kind=ClaimantType.anonymous),
    _claim("We are done,” Smith said, “for good", "Smith", "said", after=40, attr=Attribution.direct),
    Claim(statement="The sky is blue today.", quote="The sky is blue today", quote_span=_span("The sky is blue today"),
          claimant=Claimant(type=ClaimantType.author), attribution=Attribution.unattributed, certainty=Certainty.asserted),
]


def _roles(ann: str) -> list[dict[str, list[str]]]:
    return [
        {r: [TEXT[a:b] for a, b in lk.fragments(r)] for r in ("source", "cue", "content")}
        for lk in parse_ann(ann, TEXT, "x.ann")
    ]


def test_claims_convention_keeps_the_run_spans_and_leaves_author_claims_out() -> None:
    ann = article_ann(CLAIMS, TEXT)
    assert ann.count("\tAttribution:") == 2 and "sky" not in ann
    assert _roles(ann) == [
        {"source": ["Officials"], "cue": ["said"], "content": ["the plant will close"]},
        {"source": ["Smith"], "cue": ["said"], "content": ["We are done,” Smith said, “for good"]},
    ]


def test_polnear_convention_takes_that_and_quotes_and_splits_around_the_source() -> None:
    assert _roles(article_ann(CLAIMS, TEXT, "polnear")) == [
        {"source": ["Officials"], "cue": ["said"], "content": ["that the plant will close"]},
        {"source": ["Smith"], "cue": ["said"], "content": ["“We are done,”", "“for good.”"]},
    ]


def test_polnear_cue_takes_auxiliaries_and_one_cue_is_one_attribution() -> None:
    text = "The mayor has said the road will open, which pleases drivers."
    c = [
        Claim(statement=q, quote=q, quote_span=Span(start=text.index(q), end=text.index(q) + len(q)),
              claimant=Claimant(text="The mayor", span=Span(start=0, end=9), type=ClaimantType.person),
              cue=Cue(text="said", span=Span(start=14, end=18)), attribution=Attribution.indirect)
        for q in ("the road will open", "which pleases drivers")
    ]
    found = parse_ann(article_ann(c, text, "polnear"), text, "x.ann")
    assert [(text[lk.cue[0].start : lk.cue[0].end], lk.content[0].text) for lk in found] == [
        ("has said", "the road will open, which pleases drivers")
    ]
    assert len(parse_ann(article_ann(c, text), text, "x.ann")) == 2


def test_unknown_convention_is_refused() -> None:
    from claims.kernel.errors import UserError

    with pytest.raises(UserError, match="convention"):
        article_ann(CLAIMS, TEXT, "parc")


def test_cli_export_brat_from_the_manifest_inputs(tmp_path: Path) -> None:
    arts = tmp_path / "arts"
    arts.mkdir()
    (arts / "a.txt").write_text(TEXT, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["extract", str(arts), "-o", str(tmp_path / "run"), "-q"]).exit_code == 0
    res = runner.invoke(app, ["export", str(tmp_path / "run"), "--format", "brat", "--convention", "polnear", "-o", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "b" / "a.txt").read_text(encoding="utf-8") == TEXT
    found = parse_ann((tmp_path / "b" / "a.ann").read_text(encoding="utf-8"), TEXT, "a.ann")
    assert any(TEXT[lk.source[0].start : lk.source[0].end] == "Smith" for lk in found if lk.source)
    # a folder name without an extension means brat; the text must still match the run
    (arts / "a.txt").write_text(TEXT + " Changed.", encoding="utf-8")
    res = runner.invoke(app, ["export", str(tmp_path / "run"), "-o", str(tmp_path / "b2")])
    assert res.exit_code == 2 and "text differs" in res.output
    res = runner.invoke(app, ["export", str(tmp_path / "run"), "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "--format" in res.output


def test_ids_that_are_not_file_names_are_encoded() -> None:
    from claims.extract.export_brat import file_stem

    assert file_stem("nyt_2016-04-18_a") == "nyt_2016-04-18_a"
    assert (file_stem("../x/y"), file_stem(".hidden"), file_stem("a b")) == ("%2E.%2Fx%2Fy", "%2Ehidden", "a b")
