"""What the Ray engine sends between driver and actors, checked without Ray: article rows
round-trip to the loader's articles, a worker's share of the limits, stats merged across
workers, and the actor class itself (plain Python) on rules and on the local server."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from claims.extract.backends import build_backend
from claims.extract.engines.rows import CLAIMS, FAILURE, SKIP, STOP, RemoteStop, article_row, merge_stats, row_item, worker_settings
from claims.extract.engines.worker import ExtractBatch, record_schema
from claims.extract.jobs import extract_articles
from claims.kernel.articles import Article, LoadFailure, LoadOptions, iter_articles
from claims.kernel.settings import ExtractionSettings

ROOT = Path(__file__).resolve().parents[1]


def test_article_rows_round_trip_to_the_loaders_articles(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Anna said hi.", "title": "T", "url": "u"}\n{"id": "b", "text": ""}\nnot json\n', encoding="utf-8")
    items = list(iter_articles([src, ROOT / "gold" / "articles"]))
    assert any(isinstance(i, LoadFailure) for i in items)
    back = [row_item(article_row(i), LoadOptions()) for i in items]
    assert back == items  # sources, titles and load failures included


def test_a_users_row_is_checked_like_a_jsonl_line():
    opts = LoadOptions()
    a = row_item({"id": 7, "text": "Anna said hi.", "published": "2024-01-01"}, opts)
    assert isinstance(a, Article) and a.id == "7" and a.published == "2024-01-01" and a.title is None
    empty = row_item({"id": "x", "text": "  "}, opts)
    assert isinstance(empty, LoadFailure) and empty.error == "EmptyArticle"
    no_id = row_item({"text": "Anna said hi."}, opts)
    assert isinstance(no_id, LoadFailure) and no_id.error == "MissingField"


def test_a_workers_share_divides_limits_and_budgets_but_nothing_that_decides_answers():
    s = ExtractionSettings(backend="openai", model="m", jobs=10, rpm=600, tpm=90_000, max_requests=101, max_tokens_total=7, temperature=0.5)
    share = worker_settings(s, 4)
    assert (share.jobs, share.rpm, share.tpm, share.max_requests, share.max_tokens_total) == (3, 150, 22_500, 25, 1)
    assert share.provenance_parameters("h") == s.provenance_parameters("h")
    assert 4 * share.max_requests <= s.max_requests  # never more than the budget
    assert worker_settings(ExtractionSettings(jobs=1), 8).jobs == 1  # at least one article in flight per worker
    assert worker_settings(s, 1) == s


def test_stats_of_several_workers_are_summed():
    a = {"requests": 3, "cache": {"hits": 1, "dir": "c"}, "effective_mode": "json_schema", "mode_fallbacks": [{"from": "x"}],
         "budget": {"exhausted": False, "max_requests": 5}, "rate_limit_wait_seconds": 0.25}
    b = {"requests": 4, "cache": {"hits": 2, "dir": "c"}, "effective_mode": "tools", "mode_fallbacks": [],
         "budget": {"exhausted": True, "max_requests": 5}, "rate_limit_wait_seconds": 0.5}
    m = merge_stats([a, b])
    assert m["requests"] == 7 and m["cache"] == {"hits": 3, "dir": "c"} and m["rate_limit_wait_seconds"] == 0.75
    assert m["effective_mode"] == ["json_schema", "tools"] and m["mode_fallbacks"] == [{"from": "x"}]
    assert m["budget"] == {"exhausted": True, "max_requests": 10}
    assert merge_stats([]) == {}


def rows_of(items) -> pa.Table:
    return pa.Table.from_pylist([article_row(i) for i in items])


def test_the_actor_class_answers_exactly_the_local_records_and_skips_what_is_done():
    items = list(iter_articles([ROOT / "gold" / "articles"]))
    worker = ExtractBatch(ExtractionSettings().model_dump(mode="json"), skip={items[0].id}, with_stats=True)
    out = worker(rows_of(items))
    assert out.schema == record_schema()
    rows = out.to_pylist()
    assert [r["kind"] for r in rows] == [SKIP] + [CLAIMS] * (len(items) - 1)
    local = extract_articles(items[1:], build_backend(backend="rules"))
    assert [r["record"] for r in rows[1:]] == [rec.model_dump_json() for rec in local]
    assert [r["claims"] for r in rows[1:]] == [len(rec.claims) for rec in local]
    stats = json.loads(rows[-1]["stats"])
    assert stats["articles"] == len(items) - 1 and stats["backend"] is None  # the rules backend keeps no run stats


def test_a_spent_budget_turns_the_rest_of_the_batch_into_stop_rows(fake_server):
    items = [Article(id=f"a{i}", text=f"Police chief Anna Berg said bridge {i} would reopen.") for i in range(5)]
    s = ExtractionSettings(backend="openai", model="fake", base_url=fake_server.base_url, cache="off", max_requests=2, jobs=1)
    worker = ExtractBatch(s.model_dump(mode="json"), with_stats=True)
    rows = worker(rows_of(items)).to_pylist()
    assert [r["kind"] for r in rows] == [CLAIMS, CLAIMS, STOP, STOP, STOP]
    stop = RemoteStop.of(rows[2])
    assert stop.status == "budget_exhausted" and stop.exit_code == 1 and "budget" in str(stop)
    assert len(fake_server.chat_requests) == 2
    assert json.loads(rows[-1]["stats"])["backend"]["requests"] == 2
    again = worker(rows_of(items[:1])).to_pylist()  # a stopped worker asks nothing more
    assert again[0]["kind"] == STOP and len(fake_server.chat_requests) == 2


def test_an_article_that_failed_to_load_is_a_failure_row_with_its_record():
    worker = ExtractBatch(ExtractionSettings().model_dump(mode="json"))
    item = LoadFailure("bad", "in.jsonl:3", "in.jsonl:3: invalid JSON line", "InvalidJSON")
    rows = worker(rows_of([item])).to_pylist()
    assert rows[0]["kind"] == FAILURE and rows[0]["error"] == "InvalidJSON" and rows[0]["source"] == "in.jsonl:3"
    assert json.loads(rows[0]["record"])["stage"] == "load"


@pytest.mark.parametrize("bad", [0, -1])
def test_worker_count_below_one_means_one(bad):
    assert worker_settings(ExtractionSettings(jobs=3), bad).jobs == 3


def test_the_ray_engine_without_the_extra_is_a_one_line_error(tmp_path):
    """Ray hidden from the import system: the command says what to install, exit 2."""
    import subprocess
    import sys

    code = "import sys; sys.modules['ray'] = None; from claims.cli.main import main; sys.argv[0] = 'claims'; main()"
    r = subprocess.run([sys.executable, "-c", code, "extract", str(ROOT / "gold" / "articles"), "-o", str(tmp_path / "run"), "--engine", "ray"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "pip install 'claims[ray]'" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = subprocess.run([sys.executable, "-m", "claims.cli.main", "extract", str(ROOT / "gold" / "articles"), "-o", str(tmp_path / "r2"),
                        "--ray-address", "auto"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "needs --engine ray" in r.stderr
