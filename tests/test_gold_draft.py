"""Gold drafts and Label Studio tasks from a run: texts found through the manifest, what gold
cannot hold left out with notes, existing gold never replaced by accident."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.gold import load_gold
from claims.evals.gold_check import check_gold_dir
from claims.evals.labelstudio.annotations import convert_export
from claims.kernel.rundir import load_run
from claims.kernel.schema import ArticleClaims

GOLD_ARTICLES = Path(__file__).resolve().parent.parent / "gold" / "articles"
runner = CliRunner()


@pytest.fixture(scope="module")
def rules_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a user gets from `claims extract gold/articles -o RUN` (inputs recorded as given)."""
    run = tmp_path_factory.mktemp("run") / "rules"
    r = runner.invoke(app, ["extract", str(GOLD_ARTICLES), "-o", str(run), "--quiet"])
    assert r.exit_code == 0, r.output
    return run


def _grounded(run: Path) -> int:
    return sum(1 for rec in load_run(run).records.values() for c in rec.claims if c.quote_span is not None)


def test_draft_from_a_run_passes_gold_check(rules_run: Path, tmp_path: Path):
    r = runner.invoke(app, ["gold", "draft", str(rules_run), "-o", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    res = check_gold_dir(tmp_path / "d")
    assert res.problems == [] and res.files == 5 and res.claims == _grounded(rules_run) > 0
    g = load_gold(tmp_path / "d")
    first = next(iter(g.articles.values()))
    assert first.guideline_version == "draft" and first.labelled_by.startswith(f"draft from run {rules_run} (rules)")
    run = load_run(rules_run)
    for aid, ga in g.articles.items():
        assert [c.model_dump(exclude={"cluster"}) for c in ga.claims] == [c.model_dump() for c in run.records[aid].claims]
        assert (tmp_path / "d" / "articles" / f"{aid}.txt").read_bytes() == (GOLD_ARTICLES / f"{aid}.txt").read_bytes()


def test_draft_never_replaces_gold_unless_asked(rules_run: Path, tmp_path: Path):
    assert runner.invoke(app, ["gold", "draft", str(rules_run), "-o", str(tmp_path / "d")]).exit_code == 0
    r = runner.invoke(app, ["gold", "draft", str(rules_run), "-o", str(tmp_path / "d")])
    assert r.exit_code == 2 and "a draft would replace them (use --overwrite)" in r.output
    r = runner.invoke(app, ["gold", "draft", str(rules_run), "-o", str(tmp_path / "d"), "--overwrite", "--quiet"])
    assert r.exit_code == 0 and r.output == ""


def _doctored(rules_run: Path, tmp_path: Path) -> tuple[Path, str]:
    """The rules run with one claim ungrounded, one claimant and one cue span lost, one duplicate."""
    run = tmp_path / "run"
    shutil.copytree(rules_run, run)
    recs = [ArticleClaims.model_validate_json(line) for line in (run / "claims.jsonl").read_text().splitlines()]
    rec = recs[0]
    dup = rec.claims[2].model_copy(deep=True)
    rec.claims[0] = rec.claims[0].model_copy(update={"quote_span": None, "grounded": False})
    with_claimant = next(c for c in rec.claims[1:] if c.claimant.text)
    with_claimant.claimant.span = None
    with_cue = next(c for c in rec.claims[1:] if c.cue)
    with_cue.cue.span = None
    rec.claims.append(dup)
    (run / "claims.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in recs))
    return run, rec.article_id


def test_draft_leaves_out_what_gold_cannot_hold_and_says_so(rules_run: Path, tmp_path: Path):
    run, aid = _doctored(rules_run, tmp_path)
    r = runner.invoke(app, ["gold", "draft", str(run), "-o", str(tmp_path / "d")])
    assert r.exit_code == 0 and "items left out: see each file's notes" in r.output
    assert check_gold_dir(tmp_path / "d").problems == []
    notes = load_gold(tmp_path / "d").articles[aid].notes.splitlines()
    assert len(notes) == 4
    assert notes[0].startswith("claim 0 left out (quote not found in the article)")
    assert any("claimant text" in n for n in notes) and any(n.startswith("claim") and ": cue " in n for n in notes)
    assert notes[-1].endswith("an exact duplicate of an earlier claim")


def test_texts_come_from_articles_when_the_manifest_inputs_are_gone(rules_run: Path, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(rules_run, run)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["inputs"] = ["no/such/folder"]
    (run / "manifest.json").write_text(json.dumps(manifest))
    r = runner.invoke(app, ["gold", "draft", str(run), "-o", str(tmp_path / "d")])
    assert r.exit_code == 2 and "(its inputs no/such/folder are not here); give them with --articles" in r.output
    r = runner.invoke(app, ["gold", "draft", str(run), "-o", str(tmp_path / "d"), "--articles", str(GOLD_ARTICLES)])
    assert r.exit_code == 0, r.output


def test_a_changed_text_is_refused(rules_run: Path, tmp_path: Path):
    arts = tmp_path / "arts"
    shutil.copytree(GOLD_ARTICLES, arts)
    victim = sorted(arts.glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + " edited", encoding="utf-8")
    r = runner.invoke(app, ["gold", "export-label-studio", str(rules_run), "-o", str(tmp_path / "t.json"), "--articles", str(arts)])
    assert r.exit_code == 2 and "differs from the one the run extracted" in r.output and victim.stem in r.output


def test_run_tasks_accepted_as_is_import_to_the_draft(rules_run: Path, tmp_path: Path):
    """run -> tasks -> annotator accepts -> import gives exactly what `gold draft` gives."""
    run, aid = _doctored(rules_run, tmp_path)
    r = runner.invoke(app, ["gold", "export-label-studio", str(run), "-o", str(tmp_path / "t.json"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["tasks"] == 5 and len(out["notes"]) == 3  # ungrounded claim, claimant and cue without span
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert tasks[0]["data"]["source"] == "run" and tasks[0]["data"]["model_version"] == "rules"
    export = [{"id": n, "data": t["data"], "annotations": [{"id": n, "completed_by": 1, "result": t["predictions"][0]["result"]}]}
              for n, t in enumerate(tasks, 1)]
    imp = convert_export(export, "e.json")
    assert runner.invoke(app, ["gold", "draft", str(run), "-o", str(tmp_path / "d")]).exit_code == 0
    draft = load_gold(tmp_path / "d")
    # the duplicate is a problem on import (gold check would flag it); the draft drops it
    assert len(imp.problems) == 1 and "exact duplicate of claim region" in str(imp.problems[0])
    for a, g in draft.articles.items():
        assert [c.model_dump() for c in imp.gold[a].claims] == [c.model_dump() for c in g.claims], a


def test_no_predictions_and_output_name(rules_run: Path, tmp_path: Path):
    r = runner.invoke(app, ["gold", "export-label-studio", str(rules_run), "-o", str(tmp_path / "t.json"), "--no-predictions"])
    assert r.exit_code == 0
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert len(tasks) == 5 and all("predictions" not in t and t["data"]["text"] for t in tasks)
    r = runner.invoke(app, ["gold", "export-label-studio", str(rules_run), "-o", str(tmp_path / "t.csv")])
    assert r.exit_code == 2 and "name it *.json" in r.output
