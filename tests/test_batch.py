"""`claims batch` and `claims export`: Batch API files, the Batch API round trip through the
real openai client against tests/fake_server.py, ingest of vLLM-style results, Parquet out."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from claims.extract import batch
from claims.extract.backends import build_backend
from claims.extract.jobs import Job
from claims.kernel.articles import Article, load_articles
from claims.kernel.rundir import iter_failures, iter_records
from claims.kernel.settings import make_settings

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold" / "articles"
CHUNK = 1500  # small enough that most seed articles have several overlapping chunks


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles([GOLD])


def prep(tmp_path: Path, mode: str = "json_schema", **kw: Any) -> batch.PrepareSummary:
    settings = make_settings(backend="openai", model="fake-model", mode=mode, chunk_chars=CHUNK, chunk_overlap=200, **kw)
    return batch.prepare([GOLD], tmp_path / "b" / "batch.jsonl", settings)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def live_backend(server: Any, tmp_path: Path, mode: str) -> Any:
    return build_backend(backend="openai", model="fake-model", base_url=server.base_url, api_key="sk-local", mode=mode, cache="off",
                       cache_dir=tmp_path / "cache", chunk_chars=CHUNK, chunk_overlap=200, timeout=5.0)


def claim_sets(run: Path) -> dict[str, set[str]]:
    return {ac.article_id: {c.model_dump_json() for c in ac.claims} for ac in iter_records(run)}


# ----------------------------------------------------------------------------- custom ids


@pytest.mark.parametrize("aid", ["plain-id_1.txt", "a::b", "x/y z?%41", "ünï cødé 記事", "::", "7"])
def test_custom_id_round_trips_any_article_id(aid):
    cid = batch.encode_custom_id(aid, 12)
    assert cid.isascii() and cid.count("::") == 1
    assert batch.decode_custom_id(cid) == (aid, 12)


def test_custom_id_of_another_tool_is_rejected():
    with pytest.raises(ValueError):
        batch.decode_custom_id("request-1")


# ----------------------------------------------------------------------------- prepare


@pytest.mark.parametrize("mode", ["json_schema", "tools", "text"])
def test_prepare_writes_the_bodies_a_live_run_sends(fake_server, tmp_path, articles, mode):
    s = prep(tmp_path, mode)
    reqs = lines(s.path)
    meta = batch.load_meta(s.meta_path)
    # one line per (article, chunk), unique ids, the Batch API request shape
    assert len(reqs) == s.requests == sum(len(a["chunks"]) for a in meta["articles"].values())
    assert s.requests > len(articles)  # chunking really happened
    assert len({r["custom_id"] for r in reqs}) == len(reqs)
    for r in reqs:
        assert set(r) == {"custom_id", "method", "url", "body"} and r["method"] == "POST" and r["url"] == "/v1/chat/completions"
        aid, idx = batch.decode_custom_id(r["custom_id"])
        assert 0 <= idx < len(meta["articles"][aid]["chunks"])
    assert {a.id: a.sha256 for a in articles} == {k: v["sha256"] for k, v in meta["articles"].items()}
    assert meta["mode"] == mode and meta["model"] == "fake-model" and meta["prompt"]["id"] == "claims-direct"

    be = live_backend(fake_server, tmp_path, mode)

    async def go() -> None:
        try:
            for a in articles:
                await be.aextract(a)
        finally:
            await be.aclose()

    asyncio.run(go())
    live = [r.body for r in fake_server.chat_requests]
    assert live == [r["body"] for r in reqs]  # same requests, same order (articles, then chunks)


def test_prepare_refuses_staged_templates_auto_mode_and_no_articles(tmp_path):
    with pytest.raises(batch.BatchError, match="2 stages"):
        prep(tmp_path, prompt="claims-staged")
    with pytest.raises(batch.BatchError, match="auto cannot fall back"):
        prep(tmp_path, mode="auto")
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "a", "text": "   "}\n', encoding="utf-8")
    with pytest.raises(batch.BatchError, match="no articles"):
        batch.prepare([empty], tmp_path / "x.jsonl", make_settings(backend="openai", model="m", mode="json_schema"))
    assert not (tmp_path / "x.jsonl").exists() and not (tmp_path / "x.meta.json").exists()
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


# ----------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_batch_round_trip_equals_a_live_run(fake_server, tmp_path, mode):
    s = prep(tmp_path, mode)
    client = batch.make_client(base_url=fake_server.base_url)
    fake_server.batch_store.polls_before_done = 1
    state = batch.submit(client, s.path)
    assert json.loads(batch.state_path_for(s.path).read_text())["batch_id"] == state["batch_id"]
    with pytest.raises(batch.BatchError, match="wait"):
        batch.collect(client, state["batch_id"], tmp_path / "results.jsonl")  # first poll: in progress
    st = batch.wait(client, state["batch_id"], poll_seconds=0.01, timeout=10)
    assert st["status"] == "completed" and st["request_counts"] == {"total": s.requests, "completed": s.requests, "failed": 0}
    info = batch.collect(client, batch.resolve_batch_id(str(batch.state_path_for(s.path))), tmp_path / "results.jsonl")
    assert info["output_lines"] == s.requests and info["error_lines"] == 0
    # the server answered exactly the prepared bodies
    assert fake_server.batch_store.bodies == [r["body"] for r in lines(s.path)]

    run_b = tmp_path / "run-batch"
    summary = batch.ingest([tmp_path / "results.jsonl"], run_b, meta_path=s.meta_path)
    assert summary.status == "complete" and summary.failed == 0

    assert fake_server.chat_requests == []  # the batch never used the live endpoint
    run_l = tmp_path / "run-live"
    Job(inputs=[str(GOLD)], run_dir=run_l, backend=live_backend(fake_server, tmp_path, mode)).run()

    assert claim_sets(run_b) == claim_sets(run_l)
    mb, ml = (json.loads((r / "manifest.json").read_text()) for r in (run_b, run_l))
    assert mb["claims"] == ml["claims"] > 0 and mb["articles_done"] == ml["articles_done"] == 5
    for k in ("requests", "prompt_tokens", "completion_tokens"):
        assert mb["usage"][k] == ml["usage"][k] > 0, k  # usage summed from the batch responses
    assert mb["provenance"]["backend"] == "openai-batch" and mb["provenance"]["parameters"]["mode"] == mode
    assert mb["batch"]["result_lines"] == s.requests and mb["batch"]["unmatched_custom_ids"] == 0


def test_failed_requests_in_the_error_file_become_failures(fake_server, tmp_path, articles):
    s = prep(tmp_path)
    fake_server.add_faults("500")  # the first request line of the batch fails
    client = batch.make_client(base_url=fake_server.base_url)
    bid = batch.submit(client, s.path)["batch_id"]
    info = batch.collect(client, bid, tmp_path / "results.jsonl")
    assert (info["output_lines"], info["error_lines"]) == (s.requests - 1, 1)
    summary = batch.ingest([tmp_path / "results.jsonl"], tmp_path / "run", meta_path=s.meta_path)
    [f] = list(iter_failures(tmp_path / "run"))
    first_article = batch.decode_custom_id(lines(s.path)[0]["custom_id"])[0]
    assert f.article_id == first_article and f.error == "HTTPError" and "HTTP 500" in f.message
    assert summary.succeeded == len(articles) - 1


# ----------------------------------------------------------------------------- vLLM-style results


def _vllm_line(cid: str, body: dict[str, Any] | None, *, status: int | None = 200, error: Any = None) -> str:
    resp: dict[str, Any] | None = {"request_id": f"vllm-batch-{cid}", "body": body}
    if status is not None:
        resp["status_code"] = status
    return json.dumps({"id": f"vllm-{cid}", "custom_id": cid, "response": resp, "error": error})


def test_ingest_vllm_results_records_each_kind_of_failure(tmp_path, articles):
    from fake_server import completion, default_responder

    s = prep(tmp_path)
    reqs = lines(s.path)
    ids = [a.id for a in articles]
    bad_http, bad_json, truncated, missing, lenient = ids[:5]
    out = []
    for r in reqs:
        aid, idx = batch.decode_custom_id(r["custom_id"])
        answer = default_responder(r["body"])
        if aid == bad_http and idx == 0:
            out.append(_vllm_line(r["custom_id"], None, status=400, error="The model does not exist."))
        elif aid == bad_json and idx == 0:
            out.append(_vllm_line(r["custom_id"], completion(r["body"], "Sure! {claims: [oops", "stop", "json_schema")))
        elif aid == truncated and idx == 0:
            out.append(_vllm_line(r["custom_id"], completion(r["body"], answer[: len(answer) // 2], "length", "json_schema")))
        elif aid == missing and idx == 0:
            continue
        else:  # the rest succeed; one article's lines lack status_code (leniency)
            out.append(_vllm_line(r["custom_id"], completion(r["body"], answer, "stop", "json_schema"), status=None if aid == lenient else 200))
    out.reverse()  # result order is not request order
    results = tmp_path / "vllm-out.jsonl"
    results.write_text("\n".join(out) + "\n", encoding="utf-8")

    run = tmp_path / "run"
    summary = batch.ingest([results], run, meta_path=s.meta_path)
    fails = {f.article_id: f for f in iter_failures(run)}
    assert set(fails) == {bad_http, bad_json, truncated, missing}
    assert fails[bad_http].error == "HTTPError" and "HTTP 400" in fails[bad_http].message and "does not exist" in fails[bad_http].message
    assert fails[bad_json].error == "ValidationError" and "not valid JSON" in fails[bad_json].message
    assert fails[truncated].error == "Truncated" and "re-run this article live" in fails[truncated].message
    assert fails[missing].error == "MissingResult" and "chunk 1/" in fails[missing].message
    assert fails[bad_json].usage.prompt_tokens > 0  # the tokens of a failed article are still counted
    done = list(iter_records(run))
    assert [a.article_id for a in done] == [lenient] and done[0].claims
    assert summary.failed == 4

    # Re-ingest: nothing duplicated, the same failures recorded once.
    batch.ingest([results], run, meta_path=s.meta_path)
    assert [a.article_id for a in iter_records(run)] == [lenient]
    assert sorted(f.article_id for f in iter_failures(run)) == sorted(fails)

    # A second results file with good answers for the failed chunks: a good line wins over a bad one.
    fixes = [_vllm_line(r["custom_id"], completion(r["body"], default_responder(r["body"]), "stop", "json_schema"))
             for r in reqs if batch.decode_custom_id(r["custom_id"])[0] in fails and batch.decode_custom_id(r["custom_id"])[1] == 0]
    fix_path = tmp_path / "retry-out.jsonl"
    fix_path.write_text("\n".join(fixes) + "\n", encoding="utf-8")
    summary = batch.ingest([results, fix_path], run, meta_path=s.meta_path)
    assert summary.done_before == 1 and summary.succeeded == 4 and list(iter_failures(run)) == []
    recs = list(iter_records(run))
    assert sorted(a.article_id for a in recs) == sorted(ids)
    texts = {a.id: a.text for a in articles}
    assert all(a.span_problems(texts[a.article_id]) == [] for a in recs)


def test_ingest_checks_article_texts_and_inputs(tmp_path, articles):
    s = prep(tmp_path)
    results = tmp_path / "r.jsonl"
    results.write_text(_vllm_line(lines(s.path)[0]["custom_id"], None, status=500, error="x") + "\n", encoding="utf-8")
    changed = tmp_path / "moved"
    changed.mkdir()
    for a in articles:
        (changed / f"{a.id}.txt").write_text(a.text + ("\nEdited." if a.id == articles[0].id else ""), encoding="utf-8")
    batch.ingest([results], tmp_path / "run", meta_path=s.meta_path, articles=[changed])
    errors = {f.article_id: f.error for f in iter_failures(tmp_path / "run")}
    assert errors[articles[0].id] == "TextChanged" and set(errors.values()) <= {"TextChanged", "MissingResult", "HTTPError"}
    with pytest.raises(batch.BatchError, match="request file"):
        batch.ingest([s.path], tmp_path / "run2", meta_path=s.meta_path)
    with pytest.raises(batch.BatchError, match="--meta"):
        batch.ingest([results], tmp_path / "run3")  # no *.meta.json beside the results


# ----------------------------------------------------------------------------- export


def test_export_parquet_streams_and_reads_back_with_datasets(tmp_path, articles):
    import datasets
    import pyarrow.parquet as pq

    from claims.extract.export import export_parquet

    run = tmp_path / "run"
    Job(inputs=[str(GOLD)], run_dir=run, backend=build_backend(backend="rules")).run()
    recs = list(iter_records(run))
    total = sum(len(a.claims) for a in recs)
    out = tmp_path / "claims.parquet"
    counts = export_parquet(run, out, batch_rows=7)
    assert counts == {"articles": len(recs), "claims": total} and total > 7
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-total // 7)  # written in bounded batches

    ds = datasets.load_dataset("parquet", data_files=str(out), split="train")
    assert ds.num_rows == total
    texts = {a.id: a.text for a in articles}
    for row in ds:
        if row["grounded"]:
            assert texts[row["article_id"]][row["quote_start"] : row["quote_end"]] == row["quote"]
    streamed = datasets.load_dataset("parquet", data_files=str(out), split="train", streaming=True)
    first = next(iter(streamed))
    assert first["article_id"] == recs[0].article_id and first["claim_index"] == 0 and first["backend"] == "rules"
    assert sum(1 for _ in streamed) == total


# ----------------------------------------------------------------------------- CLI


def claims(*args: Any, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claims.cli.main", *map(str, args)], cwd=cwd, capture_output=True, text=True)


@pytest.mark.slow
def test_cli_prepare_submit_status_collect_ingest_export(fake_server, tmp_path):
    url = ["--base-url", fake_server.base_url]
    b = tmp_path / "batch.jsonl"
    r = claims("batch", "prepare", GOLD, "-o", b, "--model", "fake-model", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["requests"] == len(lines(b))
    r = claims("batch", "submit", b, *url, "-q")
    assert r.returncode == 0, r.stderr
    bid = r.stdout.strip()
    r = claims("batch", "status", bid, *url, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "completed"
    res = tmp_path / "results.jsonl"
    assert claims("batch", "collect", batch.state_path_for(b), "-o", res, *url).returncode == 0
    run = tmp_path / "run"
    r = claims("batch", "ingest", res, "-o", run)  # the meta file is found beside the results
    assert r.returncode == 0, r.stderr
    assert "5 articles done" in r.stderr
    r = claims("export", run, "-o", tmp_path / "c.parquet", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["claims"] == sum(len(a.claims) for a in iter_records(run))
    r = claims("batch", "prepare", GOLD, "-o", tmp_path / "s.jsonl", "--model", "m", "--prompt", "claims-staged")
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    r = claims("batch", "status", "batch-nope", *url)
    assert r.returncode == 2 and "404" in r.stderr and "Traceback" not in r.stderr
