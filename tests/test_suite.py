"""Eval suites: loading, a two-variant suite end to end against the local test server,
repeats, and offline replay (of a fresh recording and of the shipped one)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from fake_server import FakeOpenAIServer, default_responder
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.compare import compare_repeats, mean_counts
from claims.evals.evaluate import evaluate
from claims.evals.gold import load_gold
from claims.evals.metrics import prf
from claims.evals.results import ArticleResult
from claims.evals.stats import ArticleCounts, paired_bootstrap
from claims.evals.suite import SuiteError, load_suite, substitute
from claims.kernel.rundir import load_run

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def write_suite(path: Path, variants: str, *, extra: str = "", cache_dir: Path | None = None) -> Path:
    path.write_text(
        f"""name: {path.stem}
root: {REPO}
gold: gold
prompts_dir: prompts
cache_dir: {cache_dir or path.parent / 'cache'}
jobs: 2
eval: {{resamples: 200, seed: 0}}
defaults:
  base_url: ${{CLAIMS_BASE_URL:-http://127.0.0.1:9/v1}}
  model: fake
{extra}
variants:
{variants}
""",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- loading


def test_substitution_uses_env_then_default_and_names_the_file_when_unset() -> None:
    env = {"A": "x", "EMPTY": ""}
    assert substitute({"k": ["${A}/${B:-d}", "${EMPTY:-e}", 3]}, env, "f.yaml") == {"k": ["x/d", "e", 3]}
    with pytest.raises(SuiteError, match=r"f\.yaml: \$\{B\} is not set"):
        substitute("${B}", env, "f.yaml")


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ("  - {name: a, prompt: claims-direct, parameters: {temprature: 0}}", "unknown parameters"),
        ("  - {name: a, prompt: claims-direct}\n  - {name: a, prompt: claims-staged}", "duplicate variant names"),
        ("  - {name: a, backend: rules, prompt: claims-direct}", "takes no prompt"),
        ("  - {name: a}", "needs prompt"),
        ("  - {name: a, backend: gpt}", "variant a: backend"),
    ],
)
def test_bad_suite_files_name_the_file_and_the_problem(tmp_path: Path, variants: str, message: str) -> None:
    path = write_suite(tmp_path / "bad.yaml", variants)
    with pytest.raises(SuiteError, match=message) as e:
        load_suite(path, env={})
    assert str(path) in str(e.value)


def test_invalid_yaml_and_unknown_suite_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("variants: [\n", encoding="utf-8")
    r = runner.invoke(app, ["suite", "run", str(bad), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "broken.yaml: invalid YAML" in r.output
    r = runner.invoke(app, ["suite", "run", "nosuch", "--suites-dir", str(tmp_path), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no suite 'nosuch'" in r.output


def test_rules_is_always_a_row_and_shipped_suites_load() -> None:
    for name in ("bundled", "replay"):
        s = load_suite(REPO / "evals" / "suites" / f"{name}.yaml", env={})
        assert [v.backend for v in s.variants].count("rules") == 1
        assert {v.prompt for v in s.variants if v.backend == "openai"} == {"claims-direct", "claims-staged"}


# --------------------------------------------------------------------------- end to end


def test_two_variant_suite_end_to_end_against_the_test_server(tmp_path: Path, fake_server: FakeOpenAIServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_BASE_URL", fake_server.base_url)
    suite = write_suite(tmp_path / "two.yaml", "  - {name: direct, prompt: claims-direct}\n  - {name: staged, prompt: claims-staged}")
    out = tmp_path / "out"
    r = runner.invoke(app, ["suite", "run", str(suite), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    rows = {row["name"]: row for row in res["rows"]}
    assert set(rows) == {"rules", "direct", "staged"}  # rules added as the baseline row
    assert "rules backend was added" in " ".join(res["notes"])
    gold = load_gold(REPO / "gold")
    for name in ("rules", "direct", "staged"):
        direct = evaluate(gold, load_run(out / "runs" / name))  # each row is that run's own score
        assert rows[name]["f1"]["value"] == pytest.approx(direct.claims.f1)
        assert rows[name]["failures"] == 0
    assert rows["direct"]["prompt"] == "claims-direct@v1" and rows["direct"]["prompt_sha256"]
    # staged asks twice per article (selection, then claims)
    assert rows["direct"]["requests"] == 5 and rows["staged"]["requests"] == 10
    assert rows["staged"]["prompt_tokens"] > 0 and rows["rules"]["prompt_tokens"] == 0
    assert res["floor"]["f1"]["value"] < rows["rules"]["f1"]["value"] < res["ceiling"]["f1"]["value"]
    md = (out / "leaderboard.md").read_text(encoding="utf-8")
    assert "| *floor* |" in md and "| *ceiling* |" in md and "claims-staged@v1" in md

    # run again: every answer comes from the cache, tokens are still counted
    n = len(fake_server.chat_requests)
    again = json.loads(runner.invoke(app, ["suite", "run", str(suite), "-o", str(out), "--json"]).stdout)
    assert len(fake_server.chat_requests) == n
    again_rows = {row["name"]: row for row in again["rows"]}
    assert again_rows["staged"]["cache_hits"] == 10 and again_rows["staged"]["requests"] == 0
    assert again_rows["staged"]["prompt_tokens"] == rows["staged"]["prompt_tokens"]


# --------------------------------------------------------------------------- repeats


def _article(tp: int, fp: int, fn: int, atp: int | None = None) -> ArticleResult:
    a = tp if atp is None else atp
    return ArticleResult(article_id="x", in_run=True, n_gold=tp + fn, n_pred=tp + fp, claims=prf(tp, fp, fn),
                         attributed=prf(a, fp + tp - a, fn + tp - a))


class _R:
    """The slice of an EvalResult that mean_counts reads."""

    def __init__(self, *arts: ArticleResult):
        self.articles = [a.model_copy(update={"article_id": f"a{i}"}) for i, a in enumerate(arts)]


def test_mean_counts_averages_each_article_over_repeats_by_hand() -> None:
    # article 0: repeat 1 finds 2 of 2, repeat 2 finds 0 of 2 (and invents 2); article 1: 1 of 1 both times
    r1 = _R(_article(2, 0, 0), _article(1, 0, 0))
    r2 = _R(_article(0, 2, 2), _article(1, 0, 0))
    m = mean_counts([r1, r2])  # type: ignore[list-item]
    assert m.tp.tolist() == [1.0, 1.0] and m.fp.tolist() == [1.0, 0.0] and m.fn.tolist() == [1.0, 0.0]
    # pooled micro F1 = F1 of all counts summed: tp 4, fp 2, fn 2 -> P = R = 4/6 -> F1 = 2/3
    s = m.matrix().sum(axis=1)
    assert 2 * s[0] / (2 * s[0] + s[1] + s[2]) == pytest.approx(2 / 3)
    # per-article F1 (for macro F1) is averaged too: article 0 scores 1.0 then 0.0
    assert m.f1.tolist() == [0.5, 1.0]


def test_seeded_repeats_are_separate_answers_and_aggregate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def by_seed(body: dict) -> str:
        """Odd seeds drop every second claim: a model whose output varies with sampling."""
        answer = json.loads(default_responder(body))
        if "claims" in answer and body.get("seed", 0) % 2:
            answer["claims"] = answer["claims"][::2]
        return json.dumps(answer)

    with FakeOpenAIServer(responder=by_seed) as server:
        monkeypatch.setenv("CLAIMS_BASE_URL", server.base_url)
        suite = write_suite(tmp_path / "rep.yaml", "  - {name: direct, prompt: claims-direct}", extra="repeats: 3\nseed: 10")
        out = tmp_path / "out"
        r = runner.invoke(app, ["suite", "run", str(suite), "-o", str(out), "--json"])
        assert r.exit_code == 0, r.output
        seeds = sorted({req.body.get("seed") for req in server.chat_requests})
    assert seeds == [10, 11, 12]  # one distinct seed (and so cache key) per repeat
    row = next(x for x in json.loads(r.stdout)["rows"] if x["name"] == "direct")
    gold = load_gold(REPO / "gold")
    results = [evaluate(gold, load_run(out / "runs" / "direct" / f"r{i}")) for i in (1, 2, 3)]
    f1s = [x.claims.f1 for x in results]
    assert f1s[0] == f1s[2] != f1s[1]  # seeds 10 and 12 agree, 11 differs
    assert row["repeats"] == 3 and [p["f1"] for p in row["per_repeat"]] == pytest.approx(f1s)
    assert row["f1_mean"] == pytest.approx(statistics.fmean(f1s))
    assert row["f1_sd"] == pytest.approx(statistics.stdev(f1s))
    assert (row["f1_min"], row["f1_max"]) == pytest.approx((min(f1s), max(f1s)))
    pooled = prf(*(sum(getattr(x.claims, k) for x in results) for k in ("tp", "fp", "fn")))
    assert row["f1"]["value"] == pytest.approx(pooled.f1)
    assert row["f1"]["ci"]["low"] <= pooled.f1 <= row["f1"]["ci"]["high"]
    # the comparison pools all repeats: the test runs on the per-article mean counts
    single = [results[0]]
    cmp = compare_repeats(single, results, resamples=300, seed=0)
    expected = paired_bootstrap(ArticleCounts.from_articles(results[0].articles), mean_counts(results), resamples=300, seed=0)
    got = next(t for t in cmp.tests if t.method == "paired_bootstrap" and t.metric == "f1")
    assert got.observed_delta == pytest.approx(expected.observed_delta) and got.lower_bound == pytest.approx(expected.lower_bound)
    assert cmp.delta_f1 == pytest.approx(pooled.f1 - results[0].claims.f1)
    assert np.allclose(mean_counts(results).tp, np.mean([[a.claims.tp for a in x.articles] for x in results], axis=0))


# --------------------------------------------------------------------------- replay


def test_replay_gives_identical_scores_with_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variants = "  - {name: direct, prompt: claims-direct}\n  - {name: staged, prompt: claims-staged}"
    rec = tmp_path / "recording"
    with FakeOpenAIServer() as server:
        monkeypatch.setenv("CLAIMS_BASE_URL", server.base_url)
        suite = write_suite(tmp_path / "live.yaml", variants, cache_dir=rec)
        live = runner.invoke(app, ["suite", "run", str(suite), "-o", str(tmp_path / "live"), "--json"])
        assert live.exit_code == 0, live.output
        port = server.port
    # the server is gone: anything but the recording would fail
    monkeypatch.setenv("CLAIMS_BASE_URL", f"http://127.0.0.1:{port}/v1")
    replay = runner.invoke(app, ["suite", "run", str(suite), "-o", str(tmp_path / "replay"), "--json", "--cache", "replay"])
    assert replay.exit_code == 0, replay.output
    keep = ("name", "f1", "attributed_f1", "precision", "recall", "macro_f1", "fields", "claims", "prompt_tokens", "completion_tokens")
    a, b = json.loads(live.stdout), json.loads(replay.stdout)
    assert [{k: r[k] for k in keep} for r in a["rows"]] == [{k: r[k] for k in keep} for r in b["rows"]]
    assert all(r["requests"] == 0 for r in b["rows"])


def test_shipped_recording_replays_offline(tmp_path: Path) -> None:
    r = runner.invoke(app, ["suite", "run", "replay", "--suites-dir", str(REPO / "evals" / "suites"),
                            "-o", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, (
        f"{r.output}\nthe recording in evals/recordings/bundled is stale (a template changed?): "
        "re-record with `claims suite record bundled -o evals/recordings/bundled --overwrite`"
    )
    rows = {row["name"]: row for row in json.loads(r.stdout)["rows"]}
    for name in ("claims-direct", "claims-staged"):
        assert rows[name]["failures"] == 0 and rows[name]["requests"] == 0
        assert rows[name]["cache_hits"] == (5 if name == "claims-direct" else 10)
