"""Gold files: the real gold/ must pass the checker, and every kind of problem is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.gold import GoldError, fill_spans, load_gold, locate, read_gold_file, write_gold_file
from claims.evals.gold_check import check_gold_dir
from claims.kernel.schema import text_sha256

GOLD = Path(__file__).resolve().parent.parent / "gold"
AID = "000_7dbc1a520044aece"
runner = CliRunner()


def test_real_gold_passes_the_checker():
    res = check_gold_dir(GOLD)
    assert [str(p) for p in res.problems] == []
    assert res.files >= 5


def test_real_gold_covers_every_seed_article():
    gs = load_gold(GOLD)
    txt_ids = {p.stem for p in (GOLD / "articles").glob("*.txt")}
    assert set(gs.articles) == txt_ids
    for aid, g in gs.articles.items():
        assert g.guideline_version == "v2"
        assert 10 <= len(g.claims) <= 40, aid
        assert all(c.attribution is not None and c.certainty is not None for c in g.claims)
        for c in g.claims:
            # author claims carry no claimant text; attributed ones do
            assert (c.claimant.type.value == "author") == (c.attribution.value == "unattributed"), (aid, c.statement)


def test_guidelines_are_marked_ready():
    text = (GOLD / "GUIDELINES.md").read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith("v2")
    assert "<!-- guidelines-ready: v2 -->" in text


@pytest.fixture
def gold_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "gold"
    (dst / "articles").mkdir(parents=True)
    for name in (f"{AID}.txt", f"{AID}.gold.yaml"):
        shutil.copy(GOLD / "articles" / name, dst / "articles" / name)
    return dst


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    return [str(p) for p in check_gold_dir(root).problems]


def test_clean_copy_has_no_problems(gold_copy: Path):
    assert _problems(gold_copy) == []


@pytest.mark.parametrize(
    ("edit", "claim", "needle"),
    [
        (lambda d: d["claims"][2].update(certainty="probably"), 2, "certainty"),
        (lambda d: d["claims"][1]["claimant"].update(type="alien"), 1, "claimant.type"),
        (lambda d: d["claims"][3].update(quote_span={"start": 10, "end": 99999}), 3, "outside the text"),
        (lambda d: d["claims"][4].update(quote_span={"start": 0, "end": 7}), 4, "covers"),
        (lambda d: d["claims"][1]["cue"].update(span={"start": 0, "end": 3}), 1, "cue span"),
        (lambda d: d["claims"][1]["claimant"].update(span={"start": 0, "end": 3}), 1, "claimant span"),
        (lambda d: d.update(text_sha256="0" * 64), None, "text_sha256"),
        (lambda d: d["claims"].append(dict(d["claims"][5])), 25, "exact duplicate of claim 5"),
        (lambda d: d["claims"][0].update(quote_span=None, grounded=False), 0, "no quote_span"),
        (lambda d: d["claims"][0].update(quote_span=None), 0, "grounded claim needs quote_span"),
        (lambda d: d.pop("labelled_by"), None, "labelled_by"),
        (lambda d: d.update(article_id="999_other"), None, "999_other"),
    ],
)
def test_each_problem_is_detected(gold_copy: Path, edit, claim, needle):
    gf = gold_copy / "articles" / f"{AID}.gold.yaml"
    _edit(gf, edit)
    probs = _problems(gold_copy)
    tag = f"{gf}:{'-' if claim is None else claim}: "
    assert any(p.startswith(tag) and needle in p for p in probs), probs


def test_missing_text_and_unreadable_yaml(gold_copy: Path):
    (gold_copy / "articles" / f"{AID}.txt").unlink()
    probs = _problems(gold_copy)
    assert any(":-: no article text" in p for p in probs)
    (gold_copy / "articles" / f"{AID}.gold.yaml").write_text("claims: [unclosed", encoding="utf-8")
    assert any(":-: cannot read" in p for p in _problems(gold_copy))


def test_one_bad_claim_does_not_hide_others(gold_copy: Path):
    gf = gold_copy / "articles" / f"{AID}.gold.yaml"
    _edit(gf, lambda d: (d["claims"][2].update(certainty="x"), d["claims"][6].update(quote_span={"start": 0, "end": 5})))
    probs = _problems(gold_copy)
    assert any(":2: certainty" in p for p in probs)
    assert any(":6: quote span" in p for p in probs)


def test_double_files_are_checked(gold_copy: Path):
    (gold_copy / "double").mkdir()
    bad = gold_copy / "double" / f"{AID}.b.yaml"
    shutil.copy(gold_copy / "articles" / f"{AID}.gold.yaml", bad)
    _edit(bad, lambda d: d["claims"][0].update(attribution="hearsay"))
    probs = _problems(gold_copy)
    assert len(probs) == 1 and probs[0].startswith(f"{bad}:0: attribution")


def test_missing_directory_raises(tmp_path: Path):
    with pytest.raises(GoldError):
        check_gold_dir(tmp_path / "nope")


def test_cli_exit_codes(gold_copy: Path, tmp_path: Path):
    ok = runner.invoke(app, ["gold", "check", str(gold_copy)])
    assert ok.exit_code == 0 and ok.output.startswith("OK: 1 gold files, 25 claims")
    _edit(gold_copy / "articles" / f"{AID}.gold.yaml", lambda d: d["claims"][2].update(certainty="x"))
    bad = runner.invoke(app, ["gold", "check", str(gold_copy)])
    assert bad.exit_code == 1 and ":2: certainty" in bad.output
    missing = runner.invoke(app, ["gold", "check", str(tmp_path / "nope")])
    assert missing.exit_code == 2


# --- span filling -----------------------------------------------------------

TEXT = "Peskov said no. Later, Peskov said the probe is ongoing, officials said."


def test_locate_near_after_prefer_and_missing():
    assert locate(TEXT, "said") == (7, 11)
    assert locate(TEXT, "said", after=12) == (30, 34)
    assert locate(TEXT, "said", near=60) == (67, 71)
    assert locate(TEXT, "said", near=50, prefer=(16, 56)) == (30, 34)
    assert locate(TEXT, "said", near=36, avoid=(20, 40)) == (7, 11)
    with pytest.raises(ValueError, match="not found"):
        locate(TEXT, "denied")


def _raw(**claim) -> dict:
    base = {"statement": "s", "quote": "the probe is ongoing", "claimant": {"text": "Peskov", "type": "person"},
            "cue": {"text": "said"}, "attribution": "indirect", "certainty": "asserted"}
    base.update(claim)
    return {"article_id": "a", "text_sha256": "", "labelled_by": "t", "guideline_version": "v1", "claims": [base]}


def test_fill_spans_picks_the_quotes_sentence():
    g = fill_spans(_raw(), TEXT)
    c = g.claims[0]
    assert (c.quote_span.start, c.quote_span.end) == (35, 55)
    assert (c.claimant.span.start, c.cue.span.start) == (23, 30)
    assert g.text_sha256 == text_sha256(TEXT)
    assert c.span_problems(TEXT) == []


def test_fill_spans_repairs_a_stale_span_and_names_the_claim():
    g = fill_spans(_raw(quote="said", quote_span={"start": 64, "end": 68}, cue=None), TEXT)
    assert g.claims[0].quote_span.start == 67  # nearest to the old span
    with pytest.raises(GoldError, match="claim 0: text not found"):
        fill_spans(_raw(quote="nowhere"), TEXT)


def test_spans_cli_round_trip(gold_copy: Path):
    gf = gold_copy / "articles" / f"{AID}.gold.yaml"
    before = read_gold_file(gf)
    _edit(gf, lambda d: [c.update(quote_span=None) for c in d["claims"]] and None)
    res = runner.invoke(app, ["gold", "spans", str(gf)])
    assert res.exit_code == 0, res.output
    assert read_gold_file(gf) == before


def test_write_then_read_is_identity(tmp_path: Path):
    g = read_gold_file(GOLD / "articles" / f"{AID}.gold.yaml")
    write_gold_file(tmp_path / "x.gold.yaml", g)
    assert read_gold_file(tmp_path / "x.gold.yaml") == g
