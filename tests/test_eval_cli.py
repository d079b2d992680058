"""`claims eval` and `claims compare` on run directories and gold written in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.gold import write_gold_file
from claims.kernel.rundir import RunError, load_run
from claims.kernel.schema import ArticleClaims, Claim, Claimant, ClaimantType, GoldArticle, Provenance, Span, text_sha256

TEXT = "Peskov said Moscow was not involved. Aliyev said a missile hit the plane. Share this."
SENTS = [(0, 36), (37, 73)]
runner = CliRunner()


def claim(k: int) -> Claim:
    s, e = SENTS[k]
    return Claim(statement=TEXT[s:e - 1], quote=TEXT[s:e], quote_span=Span(start=s, end=e),
                 claimant=Claimant(name=["Peskov", "Aliyev"][k], type=ClaimantType.person))


def ids(n: int) -> list[str]:
    return [f"art{i:02d}" for i in range(n)]


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    root = tmp_path / "gold"
    (root / "articles").mkdir(parents=True)
    for aid in ids(12):
        (root / "articles" / f"{aid}.txt").write_text(TEXT, encoding="utf-8")
        write_gold_file(root / "articles" / f"{aid}.gold.yaml", GoldArticle(
            article_id=aid, text_sha256=text_sha256(TEXT), labelled_by="t", guideline_version="1",
            claims=[claim(0), claim(1)]))
    return root


def write_run(path: Path, per_article: dict[str, list[Claim]], *, text: str = TEXT, tail: str = "") -> Path:
    path.mkdir(parents=True)
    lines = [
        ArticleClaims(article_id=aid, text_sha256=text_sha256(text), claims=cl,
                      provenance=Provenance(backend="rules", toolkit_version="0")).model_dump_json()
        for aid, cl in per_article.items()
    ]
    (path / "claims.jsonl").write_text("\n".join(lines) + "\n" + tail, encoding="utf-8")
    return path


def perfect(tmp_path: Path, name: str = "base") -> Path:
    return write_run(tmp_path / name, {aid: [claim(0), claim(1)] for aid in ids(12)})


def test_eval_terminal_and_json(tmp_path: Path, gold: Path) -> None:
    run = write_run(tmp_path / "run", {aid: [claim(0)] for aid in ids(11)} | {"not-in-gold": []})
    r = runner.invoke(app, ["eval", str(run), "--gold", str(gold), "--no-floor", "--resamples", "100"])
    assert r.exit_code == 0, r.output
    assert "floor" in r.output and "ceiling" in r.output and "art11" in r.output
    r = runner.invoke(app, ["eval", str(run), "--gold", str(gold), "--json", "--no-floor", "--resamples", "100"])
    data = json.loads(r.stdout)
    assert data["claims"]["tp"] == 11 and data["claims"]["fn"] == 13 and data["claims"]["fp"] == 0
    assert data["missing_articles"] == ["art11"] and data["extra_articles"] == ["not-in-gold"]
    assert data["headline"]["f1"]["ci"]["low"] <= data["headline"]["f1"]["value"]
    out = tmp_path / "res.json"
    r = runner.invoke(app, ["eval", str(run), "--gold", str(gold), "-o", str(out), "--quiet", "--no-floor", "--resamples", "10"])
    assert r.exit_code == 0 and r.output == "" and json.loads(out.read_text())["gold"]["n_articles"] == 12


def test_gate_exit_codes(tmp_path: Path, gold: Path) -> None:
    base = perfect(tmp_path, "base")
    same = perfect(tmp_path, "same")
    worse = write_run(tmp_path / "worse", {aid: [claim(0)] for aid in ids(12)})
    r = runner.invoke(app, ["eval", str(same), "--gold", str(gold), "--baseline", str(base), "--no-floor", "--resamples", "200"])
    assert r.exit_code == 0, r.output
    assert "GATE PASSED" in r.output
    r = runner.invoke(app, ["eval", str(worse), "--gold", str(gold), "--baseline", str(base), "--max-drop", "0.02",
                            "--confidence", "0.95", "--no-floor", "--resamples", "200"])
    assert r.exit_code == 1
    assert "GATE FAILED" in r.output and "dropped beyond the margin" in r.output
    r = runner.invoke(app, ["eval", str(worse), "--gold", str(gold), "--min-f1", "0.9", "--no-floor", "--quiet"])
    assert r.exit_code == 1 and "minimum" in r.output


def test_bad_inputs_exit_2(tmp_path: Path, gold: Path) -> None:
    r = runner.invoke(app, ["eval", str(tmp_path / "nope"), "--gold", str(gold)])
    assert r.exit_code == 2 and "no such run directory" in r.output
    drifted = write_run(tmp_path / "drift", {"art03": [claim(0)]}, text=TEXT + " more")
    r = runner.invoke(app, ["eval", str(drifted), "--gold", str(gold), "--no-floor"])
    assert r.exit_code == 2 and "'art03'" in r.output and "different text" in r.output
    r = runner.invoke(app, ["eval", str(perfect(tmp_path)), "--gold", str(tmp_path / "nogold")])
    assert r.exit_code == 2 and "no articles/ folder" in r.output
    r = runner.invoke(app, ["eval", str(perfect(tmp_path, "p2")), "--gold", str(gold), "--quote-threshold", "1.5"])
    assert r.exit_code == 2


def test_run_loading_errors_and_truncation(tmp_path: Path) -> None:
    run = write_run(tmp_path / "trunc", {"a": [claim(0)]}, tail='{"article_id": "b", "text_sha')
    loaded = load_run(run)
    assert list(loaded.records) == ["a"] and "truncated last line" in loaded.notes[0]
    bad = tmp_path / "bad"
    bad.mkdir()
    good_line = (run / "claims.jsonl").read_text().splitlines()[0]
    (bad / "claims.jsonl").write_text(good_line + "\n{oops\n" + good_line + "\n")
    with pytest.raises(RunError, match=r"claims.jsonl:2: not valid JSON"):
        load_run(bad)
    (bad / "claims.jsonl").write_text('{"article_id": "x"}\n')
    with pytest.raises(RunError, match=r"claims.jsonl:1: not a valid claims record"):
        load_run(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RunError, match="no claims.jsonl"):
        load_run(empty)


def test_compare_and_sweep(tmp_path: Path, gold: Path) -> None:
    base = perfect(tmp_path, "base")
    head = write_run(tmp_path / "head", {aid: [claim(1)] for aid in ids(12)})
    r = runner.invoke(app, ["compare", str(base), str(head), "--gold", str(gold), "--json", "--resamples", "100"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["lost"] == 12 and data["gained"] == 0 and data["delta_f1"] < 0
    r = runner.invoke(app, ["compare", str(base), str(head), "--gold", str(gold), "--resamples", "100"])
    assert r.exit_code == 0 and "lost 12" in r.output
    r = runner.invoke(app, ["eval", str(head), "--gold", str(gold), "--sweep", "--no-floor", "--resamples", "10"])
    assert r.exit_code == 0 and "Sweep" in r.output


def test_floor_computed_in_process(tmp_path: Path, gold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import claims.evals.evaluate as ev

    monkeypatch.setattr(ev, "backend_predictions", lambda name, gs: {aid: [claim(0)] for aid in gs.texts})
    r = runner.invoke(app, ["eval", str(perfect(tmp_path)), "--gold", str(gold), "--json", "--resamples", "10"])
    data = json.loads(r.stdout)
    assert data["floor"]["claims"]["f1"] == pytest.approx(2 / 3) and data["claims"]["f1"] == 1.0


# --------------------------------------------------------------------------- a run much larger than its gold

ROOT = Path(__file__).resolve().parents[1]


def padded(run: Path, out: Path, others: int, damaged: bool = False) -> Path:
    """``run``'s records spread among ``others`` articles not in gold (one of them damaged)."""
    out.mkdir()
    gold_lines = (run / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    other = ArticleClaims(article_id="@", text_sha256="0" * 64, claims=[claim(0), claim(1)],
                          provenance=Provenance(backend="rules", toolkit_version="0")).model_dump_json()
    lines = [other.replace('"@"', f'"other{i:05d}"') for i in range(others)]
    if damaged:
        lines[3] = lines[3][:80] + "\0garbage"
    for k, line in enumerate(gold_lines):
        lines.insert((k + 1) * len(lines) // (len(gold_lines) + 1), line)
    (out / "claims.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_gold_articles_among_many_others_score_as_alone(tmp_path: Path, gold: Path) -> None:
    alone = write_run(tmp_path / "alone", {aid: [claim(0)] for aid in ids(11)})  # art11 missing
    big = padded(alone, tmp_path / "big", 3000, damaged=True)
    args = ["--gold", str(gold), "--json", "--no-floor", "--resamples", "100"]
    a = json.loads(runner.invoke(app, ["eval", str(alone), *args]).stdout)
    r = runner.invoke(app, ["eval", str(big), *args])
    assert r.exit_code == 0, r.output
    b = json.loads(r.stdout)
    assert b["run"]["n_records"] == 3011 and b["n_extra_articles"] == 3000 and len(b["extra_articles"]) == 100
    assert "3000 article(s) in the run are not in gold and were ignored" in b["notes"]
    assert b["missing_articles"] == ["art11"] and any("1 gold article(s) have no record" in n for n in b["notes"])
    for k in ("run", "n_extra_articles", "extra_articles", "notes"):
        a.pop(k), b.pop(k)
    assert a == b


def test_the_bundled_rules_run_scores_the_same_streamed_and_fully_loaded(tmp_path: Path) -> None:
    """What `claims eval` reads (the gold's records, the rest counted) gives the result the
    old full validation of every record gives, on the bundled gold and its rules run."""
    from claims.evals.evaluate import EvalOptions, evaluate
    from claims.evals.gold import load_gold
    from claims.evals.reports.json import to_json
    from claims.extract import build_backend, extract_articles
    from claims.kernel.articles import Article

    gs = load_gold(ROOT / "gold")
    recs = extract_articles([Article(id=a, text=t) for a, t in gs.texts.items()], build_backend(backend="rules"))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "claims.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in recs), encoding="utf-8")
    big = padded(rules, tmp_path / "big", 2000)
    r = runner.invoke(app, ["eval", str(big), "--gold", str(ROOT / "gold"), "--json", "--resamples", "200"])
    assert r.exit_code == 0, r.output
    full = evaluate(gs, load_run(big), EvalOptions(resamples=200))
    assert r.stdout == to_json(full)
    assert full.claims.tp > 0 and full.n_extra_articles == 2000
