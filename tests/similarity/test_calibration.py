"""The contrast set, the calibration rules, and `claims calibrate-similarity` / `claims eval --similarity`."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from scipy.stats import mannwhitneyu
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.contrast import CATEGORIES, double_pairs, load_contrast
from claims.evals.gold import load_gold
from claims.evals.matching import DEFAULT_QUOTE_THRESHOLD
from claims.evals.similarity_calibration import auc, calibrate_method, choose_default, threshold_for
from claims.extract import DEFAULT_METHOD, get_similarity, statement_similarity
from claims.kernel.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
CONTRAST = ROOT / "gold" / "contrast"
runner = CliRunner()


def test_contrast_set_shape_and_splits() -> None:
    pairs = load_contrast(CONTRAST)
    written = [p for p in pairs if p.category != "double"]
    assert len(written) >= 200 and {p.category for p in written} == set(CATEGORIES)
    for cat in (*CATEGORIES, "double"):
        splits = [p.split for p in pairs if p.category == cat]
        assert splits == ["dev", "test"] * (len(splits) // 2) + ["dev"] * (len(splits) % 2)
    assert all(p.match == (p.category in ("paraphrase", "double")) for p in pairs)


def test_double_pairs_file_is_what_the_gold_gives() -> None:
    import yaml

    committed = yaml.safe_load((CONTRAST / "double.yaml").read_text(encoding="utf-8"))["pairs"]
    assert committed == double_pairs(load_gold(ROOT / "gold"), DEFAULT_QUOTE_THRESHOLD)


def test_bad_contrast_files_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no contrast set here"):
        load_contrast(tmp_path)
    (tmp_path / "pairs.yaml").write_text("version: 1\npairs:\n- {id: x-001, category: vibes, a: A, b: B}\n", encoding="utf-8")
    with pytest.raises(UserError, match="unknown category 'vibes'"):
        load_contrast(tmp_path)
    (tmp_path / "pairs.yaml").write_text("version: 1\npairs:\n- {id: bad id, category: number, a: A, b: B}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"pairs\.yaml: pairs\.0\.id"):
        load_contrast(tmp_path)


def test_auc_against_mann_whitney_and_by_hand() -> None:
    labels = [True, True, False, True, False, False, True]
    scores = [0.9, 0.4, 0.4, 0.8, 0.1, 0.5, 0.7]
    u = mannwhitneyu([s for s, x in zip(scores, labels) if x], [s for s, x in zip(scores, labels) if not x]).statistic
    assert auc(labels, scores) == pytest.approx(u / (4 * 3))
    assert auc([True, False], [0.3, 0.3]) == 0.5 and auc([True, True], [0.1, 0.2]) is None


def test_threshold_rule_by_hand() -> None:
    scores = [0.9, 0.8, 0.77, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3] * 2  # 20 matches; 95% = 19 accepted
    assert threshold_for(scores) == 0.3
    assert threshold_for([0.91, 0.87, 0.66]) == 0.66
    assert threshold_for([0.9] * 19 + [-math.inf]) == 0.9  # a vetoed match cannot be accepted at any cut-off
    assert threshold_for([]) == 0.0


def test_calibrated_constants_are_what_the_rule_gives_and_meet_the_goals() -> None:
    """The shipped default thresholds and method are the rule's output on the shipped contrast set."""
    pairs = load_contrast(CONTRAST)
    results = [calibrate_method(m, statement_similarity(m), pairs) for m in ("lexical", "embedding")]
    for r in results:
        assert r.threshold == get_similarity(r.method).threshold, r.method
    best = choose_default(results)
    assert best is not None and best.method == DEFAULT_METHOD
    overall = best.splits["all"]
    assert overall.paraphrase_acceptance >= 0.95 and overall.contrast_acceptance <= 0.10


def test_calibrate_similarity_cli(tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    r = runner.invoke(app, ["calibrate-similarity", "--contrast", str(CONTRAST), "--methods", "lexical", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "lexical" in r.output and "default by the rule" in r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["default"] == "lexical" and data["methods"][0]["threshold"] == get_similarity("lexical").threshold
    bad = runner.invoke(app, ["calibrate-similarity", "--contrast", str(tmp_path)])
    assert bad.exit_code == 2 and "no contrast set here" in bad.output
    # --refresh-double rebuilds the double-labelling pairs from the gold
    copy = tmp_path / "contrast"
    shutil.copytree(CONTRAST, copy)
    (copy / "double.yaml").unlink()
    r = runner.invoke(app, ["calibrate-similarity", "--contrast", str(copy), "--refresh-double", "--gold", str(ROOT / "gold"),
                            "--similarity", "lexical", "--json"])
    assert r.exit_code == 0, r.output
    assert (copy / "double.yaml").read_text(encoding="utf-8") == (CONTRAST / "double.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "rules"
    r = runner.invoke(app, ["extract", str(ROOT / "gold" / "articles"), "-o", str(run), "--quiet"])
    assert r.exit_code == 0, r.output
    return run


def test_eval_names_the_similarity_in_every_report(rules_run: Path, tmp_path: Path) -> None:
    paths = {k: tmp_path / f"eval.{k}" for k in ("json", "md", "xml", "html")}
    r = runner.invoke(app, ["eval", str(rules_run), "--gold", str(ROOT / "gold"), "--similarity", "embedding", "--resamples", "50",
                            "-o", str(paths["json"]), "--markdown", str(paths["md"]), "--junit", str(paths["xml"]),
                            "--html", str(paths["html"])])
    assert r.exit_code == 0, r.output
    name = "embedding:wordllama-l2_supercat-256"
    assert name in r.output
    th = json.loads(paths["json"].read_text(encoding="utf-8"))["thresholds"]
    assert th["statement_method"] == name and th["statement_similarity"] == 0.58
    assert th["fact_checks"] == ["number", "date", "polarity", "antonym", "actor", "frame", "cause"]
    for k in ("md", "xml", "html"):
        text = paths[k].read_text(encoding="utf-8").replace("\\_", "_")  # Markdown escapes underscores
        assert name in text, k
    r = runner.invoke(app, ["compare", str(rules_run), str(rules_run), "--gold", str(ROOT / "gold"), "--resamples", "20",
                            "--no-fact-checks"])
    assert r.exit_code == 0 and "lexical >= 0.31 (fact checks: none)" in " ".join(r.output.split())


def test_eval_rejects_an_unknown_similarity(rules_run: Path) -> None:
    r = runner.invoke(app, ["eval", str(rules_run), "--gold", str(ROOT / "gold"), "--similarity", "vibes"])
    assert r.exit_code == 2 and "--similarity" in r.output


def test_suite_files_take_the_similarity_key(tmp_path: Path) -> None:
    from claims.evals.suite import load_suite, match_config

    path = tmp_path / "sim.yaml"
    path.write_text(f"""name: sim
root: {ROOT}
gold: gold
eval: {{resamples: 10, similarity: embedding}}
variants:
  - name: rules
    backend: rules
""", encoding="utf-8")
    cfg = match_config(load_suite(path, env={}))
    assert cfg.similarity.name == "embedding:wordllama-l2_supercat-256" and cfg.statement_cut == 0.58
    path.write_text(path.read_text(encoding="utf-8").replace("similarity: embedding", "similarity: {method: lexical, threshold: 0.5}"),
                    encoding="utf-8")
    cfg = match_config(load_suite(path, env={}))
    assert cfg.similarity.name == "lexical" and cfg.statement_cut == 0.5


def test_a_server_method_without_a_model_is_a_one_line_error(rules_run: Path) -> None:
    r = runner.invoke(app, ["eval", str(rules_run), "--gold", str(ROOT / "gold"), "--similarity", "judge",
                            "--similarity-base-url", "http://127.0.0.1:9/v1"])
    assert r.exit_code == 2 and "the judge needs a model name (--similarity-model)" in r.output
