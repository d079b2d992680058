"""The Ray engine against the local engine, on a real local Ray instance (127.0.0.1, no
dashboard, no usage stats): the same records on the bundled articles and on a chaos run
against the fault server, the Python entry Parquet in and out, a worker actor killed
mid-job, and a driver killed from outside then resumed. Skipped when ray is absent
(`pip install -e '.[ray]'`; CI installs it and runs `pytest -m ray`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

# no usage stats; every Ray server on 127.0.0.1 (read when ray is imported; a job's own
# local instance sets both itself)
LOOPBACK_RAY = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
for _k, _v in LOOPBACK_RAY.items():
    os.environ.setdefault(_k, _v)
ray = pytest.importorskip("ray")

from fake_server import FakeOpenAIServer, article_id_of  # noqa: E402
from test_chaos import chaos_articles, sequential_probs  # noqa: E402

from claims.extract.backends import build_backend  # noqa: E402
from claims.extract.engines.ray import RayJob, extract_dataset, read_articles  # noqa: E402
from claims.extract.jobs import Job, extract_articles  # noqa: E402
from claims.kernel.articles import InputError, iter_articles  # noqa: E402
from claims.kernel.settings import ExtractionSettings  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold" / "articles"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
CHAOS = {"429": 0.20, "500": 0.05, "malformed": 0.05, "truncated": 0.02}


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the in-process tests (a job reuses a session it finds)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    try:
        yield ray
    finally:
        ray.shutdown()


def cli(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claims.cli.main", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env=ENV, timeout=timeout)


def lines(path: Path) -> list[str]:
    """Whole lines only: a line the writer was in the middle of is not a record yet."""
    if not path.exists():
        return []
    *whole, _ = path.read_bytes().split(b"\n")
    return [line.decode("utf-8") for line in whole]


def by_id(path: Path, drop: tuple[str, ...] = ()) -> dict[str, dict]:
    """The records of a run file keyed by article id (each id must appear once)."""
    recs = [json.loads(line) for line in lines(path)]
    out = {r["article_id"]: {k: v for k, v in r.items() if k not in drop} for r in recs}
    assert len(out) == len(recs), "an article was written twice"
    return out


def write_jsonl(path: Path, texts: dict[str, str], extra: str = "") -> Path:
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()) + extra, encoding="utf-8")
    return path


def run_job(job_class: type, inputs: list, run: Path, settings: ExtractionSettings, **kw) -> object:
    job = job_class(inputs=[str(i) for i in inputs], run_dir=run, backend=build_backend(settings), settings=settings, jobs=settings.jobs, **kw)
    return job.run()


def test_cli_ray_run_is_read_like_a_local_run(tmp_path):
    """The default path: `claims extract --engine ray`, then eval, show, export and link read it unchanged."""
    local, remote = tmp_path / "local", tmp_path / "ray"
    assert cli("extract", GOLD, "-o", local, "--quiet").returncode == 0
    r = cli("extract", GOLD, "-o", remote, "--engine", "ray", "--workers", "2")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "5 articles done" in r.stderr and "Traceback" not in r.stderr
    assert sorted(lines(remote / "claims.jsonl")) == sorted(lines(local / "claims.jsonl"))  # byte for byte, any order
    m = json.loads((remote / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["engine"] == "ray" and m["config"]["workers"] == 2 and m["status"] == "complete"
    assert m["sessions"][-1]["engine"] == "ray" and sum(m["sessions"][-1]["articles_by_worker"]) == 5
    scores = [json.loads(cli("eval", run, "--gold", "gold", "--json").stdout) for run in (local, remote)]
    assert scores[0]["claims"] == scores[1]["claims"] and scores[0]["headline"] == scores[1]["headline"]
    assert cli("show", remote).stdout.count("== ") == 5
    for run in (local, remote):
        assert cli("export", run, "-o", run / "claims.parquet").returncode == 0
    import pyarrow.parquet as pq

    def rows(run: Path) -> list:
        return sorted(pq.read_table(run / "claims.parquet").to_pylist(), key=lambda r: (r["article_id"], r["claim_index"]))

    assert rows(local) == rows(remote) and rows(remote)
    for run in (local, remote):
        assert cli("link", run, "-o", run / "links", "--quiet").returncode == 0
    assert sorted(lines(remote / "links" / "clusters.jsonl")) == sorted(lines(local / "links" / "clusters.jsonl"))


def test_rules_job_with_load_failures_equals_the_local_engine(tmp_path, local_ray):
    texts = {f"r{i:03d}": t for i, t in enumerate(chaos_articles(150).values())}
    src = write_jsonl(tmp_path / "in.jsonl", texts, extra='not json\n{"id": "empty", "text": ""}\n{"text": "no id"}\n')
    s = ExtractionSettings()
    a = run_job(Job, [src, GOLD], tmp_path / "local", s)
    b = run_job(RayJob, [src, GOLD], tmp_path / "ray", s, workers=2, batch_size=16)
    assert a.status == b.status == "complete" and (b.succeeded, b.failed) == (a.succeeded, a.failed) == (155, 3)
    assert by_id(tmp_path / "ray" / "claims.jsonl") == by_id(tmp_path / "local" / "claims.jsonl")
    assert by_id(tmp_path / "ray" / "failures.jsonl") == by_id(tmp_path / "local" / "failures.jsonl")
    m = json.loads((tmp_path / "ray" / "manifest.json").read_text(encoding="utf-8"))
    assert sum(m["sessions"][-1]["articles_by_worker"]) == 158 and m["articles_done"] == 155


def test_bad_input_is_the_same_one_line_error(tmp_path, local_ray):
    s = ExtractionSettings()
    dup = write_jsonl(tmp_path / "dup.jsonl", {"a": "Anna said hi.", "b": "Bo said no."})
    with pytest.raises(InputError, match=r"duplicate article id 'a'") as e:
        run_job(RayJob, [dup, dup], tmp_path / "run", s, workers=1)
    assert f"{dup}:1" in str(e.value)
    bad = tmp_path / "bad.json"
    bad.write_text("{not a dataset", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.json: cannot read as a dataset"):
        run_job(RayJob, [bad], tmp_path / "run2", s, workers=1)
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.jsonl: empty input"):
        run_job(RayJob, [tmp_path / "empty.jsonl"], tmp_path / "run4", s, workers=1)
    with pytest.raises(InputError, match="no such file"):
        run_job(RayJob, [tmp_path / "missing.jsonl"], tmp_path / "run3", s, workers=1)


def chaos_server() -> FakeOpenAIServer:
    """The chaos rates, drawn per request content: any order of requests meets the same faults."""
    return FakeOpenAIServer(fault_probs=sequential_probs(CHAOS), seed=4, faults_by_content=True,
                            fault_options={"429": {"retry_after": 0}}).start()


def llm_settings(server: FakeOpenAIServer, **kw) -> ExtractionSettings:
    return ExtractionSettings(backend="openai", model="fake", base_url=server.base_url, cache="off", timeout=5, max_attempts=10,
                              backoff_base=0.01, backoff_max=0.05, **kw)


def test_openai_chaos_job_equals_the_local_engine_and_the_servers_counts(tmp_path, local_ray):
    src = write_jsonl(tmp_path / "in.jsonl", chaos_articles(100))
    runs, seen = {}, {}
    for name, job_class, kw in (("local", Job, {}), ("ray", RayJob, {"workers": 2})):
        server = chaos_server()
        try:
            summary = run_job(job_class, [src], tmp_path / name, llm_settings(server, jobs=8), **kw)
            seen[name] = Counter(article_id_of(q.body) for q in server.chat_requests)
        finally:
            server.stop()
        assert summary.status == "complete", summary.stop_reason
        runs[name] = {f: by_id(tmp_path / name / f) for f in ("claims.jsonl", "failures.jsonl")}
    assert runs["ray"] == runs["local"]  # usage included: the same requests, retries and re-asks per article
    assert seen["ray"] == seen["local"]
    usage = {aid: r["usage"] for f in runs["ray"].values() for aid, r in f.items()}
    assert {aid: u["requests"] for aid, u in usage.items()} == dict(seen["ray"])
    assert sum(u["retries"] for u in usage.values()) > 20 and sum(u["reasks"] for u in usage.values()) > 0
    m = json.loads((tmp_path / "ray" / "manifest.json").read_text(encoding="utf-8"))
    assert m["backend_stats"]["requests"] == sum(seen["ray"].values())  # the workers' counters, summed


def test_python_entry_parquet_in_parquet_out(tmp_path, local_ray):
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = list(iter_articles([GOLD]))
    pq.write_table(pa.Table.from_pylist([{"id": a.id, "text": a.text, "title": a.title} for a in items] * 1), tmp_path / "articles.parquet")
    ds = ray.data.read_parquet(str(tmp_path / "articles.parquet"))
    extract_dataset(ds, backend="rules").write_parquet(str(tmp_path / "records"))  # one worker: a CPU is left to read and write
    out = pq.read_table(tmp_path / "records").to_pylist()
    want = {rec.article_id: rec.model_dump_json() for rec in extract_articles(items, build_backend(backend="rules"))}
    assert {r["article_id"]: r["record"] for r in out} == want and len(out) == len(want)
    assert {r["kind"] for r in out} == {"claims"} and all(r["claims"] > 0 for r in out)
    # `claims extract` inputs as a dataset (the project's loaders, run by Ray tasks)
    rows = extract_dataset(read_articles([GOLD]), backend="rules").take_all()
    assert {r["article_id"]: r["record"] for r in rows} == want


def ray_workers() -> list[psutil.Process]:
    """The extraction actors of this test's own Ray instance (our descendants)."""
    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
            if cmd.startswith("ray::") and "ExtractBatch" in cmd:
                out.append(p)
        except psutil.Error:
            pass
    return out


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(tmp_path, local_ray):
    texts = chaos_articles(120)
    src = write_jsonl(tmp_path / "in.jsonl", texts)
    with FakeOpenAIServer() as quick:
        assert run_job(Job, [src], tmp_path / "ref", llm_settings(quick, jobs=8)).status == "complete"
    server = FakeOpenAIServer(latency=0.05).start()
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(server.chat_requests) < 30:
            time.sleep(0.01)
        workers = ray_workers()
        if workers:
            killed.append(workers[0].pid)
            workers[0].send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_one, daemon=True)
    try:
        killer.start()
        summary = run_job(RayJob, [src], tmp_path / "run", llm_settings(server, jobs=4), workers=2)
        killer.join(timeout=5)
        asked = Counter(article_id_of(q.body) for q in server.chat_requests)
    finally:
        server.stop()
    assert killed, "no worker to kill"
    assert summary.status == "complete" and summary.failed == 0
    got = by_id(tmp_path / "run" / "claims.jsonl", drop=("usage",))
    assert sorted(got) == sorted(texts)  # every article once: none lost, none written twice
    assert got == by_id(tmp_path / "ref" / "claims.jsonl", drop=("usage",))  # and the same records as an undisturbed local run
    assert max(asked.values()) >= 2  # the killed worker's articles were asked again by its successor
    assert killed[0] not in {p.pid for p in ray_workers()}


def test_resume_after_the_driver_is_killed_never_asks_for_finished_articles(tmp_path):
    texts = chaos_articles(150)
    src = write_jsonl(tmp_path / "in.jsonl", texts)
    run = tmp_path / "run"
    server = FakeOpenAIServer(latency=0.05, fault_probs={"429": 0.1}, fault_options={"429": {"retry_after": 0}}).start()
    args = ["extract", src, "-o", run, "--backend", "openai", "--base-url", server.base_url, "--model", "fake", "--cache", "off",
            "--jobs", "4", "--engine", "ray", "--workers", "2", "--backoff-base", "0.01", "--backoff-max", "0.05", "--quiet"]
    try:
        p = subprocess.Popen([sys.executable, "-m", "claims.cli.main", *map(str, args)], cwd=ROOT, env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 180
        while len(lines(run / "claims.jsonl")) < 40:
            assert p.poll() is None, p.stderr.read() if p.stderr else ""
            assert time.monotonic() < deadline, "the job never wrote 40 records"
            time.sleep(0.01)
        family = psutil.Process(p.pid).children(recursive=True)  # its Ray instance
        p.send_signal(signal.SIGKILL)
        assert p.wait(timeout=30) == -signal.SIGKILL
        killed_at = time.monotonic()
        done_before = set(by_id(run / "claims.jsonl"))  # whole lines only (a torn last one is cut on resume)
        # Ray's workers, raylet and GCS share the driver's fate; its agents notice later: end
        # what is left of the instance this test started, by pid
        _, alive = psutil.wait_procs(family, timeout=15)
        for proc in alive:
            proc.kill()
        assert len(done_before) < len(texts)
        resumed_at = time.monotonic()
        print(f"\nray resume: killed after {len(done_before)} records; its Ray processes gone {resumed_at - killed_at:.1f} s later")  # the killed job's workers are gone: what comes now is the resume's
        r = cli(*args)
        assert r.returncode == 0, r.stderr[-3000:]
        reqs = list(server.chat_requests)
        orphans = {article_id_of(q.body) for q in reqs if killed_at < q.time < resumed_at}  # sent by dying workers
        second = Counter(article_id_of(q.body) for q in reqs if q.time > resumed_at)
    finally:
        server.stop()
    got = by_id(run / "claims.jsonl")
    assert sorted(got) == sorted(texts)  # every article once
    assert not (set(second) | orphans) & done_before  # a finished article is never asked for again
    for aid in set(texts) - done_before:  # the rest: exactly the requests their records count
        assert second[aid] == got[aid]["usage"]["requests"], aid
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and m["sessions"][-1]["resumed_from"] == len(done_before) and len(m["sessions"]) == 2
