"""The local engine on several processes (``extract/engines/processes.py``), through the
real CLI against the fake server: the same records as one process, the workers' totals
in the manifest, the default choice of processes, a budget stop, and the ways a job
ends early (the driver killed, a worker killed, Ctrl-C), each followed by a resume that
finishes without loss or duplicates and leaves no worker behind.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from fake_server import FakeOpenAIServer
from test_llm_resume import wait_for_lines, write_articles

from claims.extract.engines.processes import ARTICLES_PER_PROCESS, STOP_WORK, _frame, _hear, _read_frame, _tell, default_workers

ROOT = Path(__file__).resolve().parents[1]


def command(src: Path, run: Path, server: FakeOpenAIServer, *extra: object) -> list[str]:
    return [sys.executable, "-m", "claims.cli.main", "extract", str(src), "-o", str(run), "--backend", "openai",
            "--base-url", server.base_url, "--model", "fake", "--timeout", "10", "--backoff-base", "0.01", "--backoff-max", "0.05",
            "-q", *map(str, extra)]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}


def run_cli(src: Path, run: Path, server: FakeOpenAIServer, *extra: object, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """The command in a working directory of its own (so a cache of its own), unless ``cwd``."""
    if cwd is None:
        cwd = run.with_name(run.name + "-cwd")
        cwd.mkdir(exist_ok=True)
    return subprocess.run(command(src, run, server, *extra), check=False, cwd=cwd, capture_output=True, text=True, env=env(), timeout=timeout)


def records(run: Path) -> dict[str, dict]:
    """article id -> its claims (the parts that do not depend on timing)."""
    out: dict[str, dict] = {}
    for line in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        assert r["article_id"] not in out, f"duplicate record for {r['article_id']}"
        out[r["article_id"]] = [(c["statement"], c["quote"], c.get("quote_span"), c["claimant"]) for c in r["claims"]]
    return out


def manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def test_default_workers():
    cpus = os.cpu_count() or 1
    assert default_workers(8, True) == default_workers(ARTICLES_PER_PROCESS, True) == 1
    assert default_workers(ARTICLES_PER_PROCESS * 2, True) == min(cpus, 2)
    assert default_workers(ARTICLES_PER_PROCESS * 4, True) == min(cpus, 4)
    assert default_workers(ARTICLES_PER_PROCESS * 4, False) == 1  # a CPU-bound backend: only when --workers asks


def test_two_processes_write_what_one_writes(fake_server, tmp_path):
    src = tmp_path / "in.jsonl"
    ids = write_articles(src, 12)
    one = run_cli(src, tmp_path / "one", fake_server, "--jobs", 4, "--workers", 1)
    two = run_cli(src, tmp_path / "two", fake_server, "--jobs", 4, "--workers", 2)
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert records(tmp_path / "two") == records(tmp_path / "one") and sorted(records(tmp_path / "one")) == ids
    m = manifest(tmp_path / "two")
    assert m["config"]["workers"] == 2 and m["config"]["engine"] == "local"
    assert sum(m["sessions"][-1]["articles_by_worker"]) == 12 and len(m["sessions"][-1]["articles_by_worker"]) == 2
    # the workers' counters, summed: one request per article (the driver's own backend sent none)
    assert m["backend_stats"]["requests"] == 12 and m["backend_stats"]["articles"] == 12
    assert m["backend_stats"]["cache"]["writes"] == 12
    # a warm re-run into another run directory: every answer from the workers' pack files, none asked again
    before = len(fake_server.requests)
    warm = run_cli(src, tmp_path / "warm", fake_server, "--jobs", 4, "--workers", 2, cwd=tmp_path / "two-cwd")
    assert warm.returncode == 0 and len(fake_server.requests) == before
    assert records(tmp_path / "warm") == records(tmp_path / "one")


def test_the_default_command_forks_for_many_articles_in_flight(fake_server, tmp_path):
    src = tmp_path / "in.jsonl"
    write_articles(src, 6)
    jobs = ARTICLES_PER_PROCESS * 2  # the default: two processes where there are two CPUs
    r = run_cli(src, tmp_path / "run", fake_server, "--jobs", jobs)
    assert r.returncode == 0, r.stderr
    m = manifest(tmp_path / "run")
    n = default_workers(jobs, True)
    assert m["config"].get("workers", 1) == n
    if n > 1:
        assert len(m["sessions"][-1]["articles_by_worker"]) == n


def test_a_budget_split_among_workers_stops_the_job_and_a_resume_finishes(fake_server, tmp_path):
    src = tmp_path / "in.jsonl"
    ids = write_articles(src, 8)
    run = tmp_path / "run"
    r = run_cli(src, run, fake_server, "--jobs", 4, "--workers", 2, "--max-requests", 4, "--cache", "off")
    m = manifest(run)
    assert r.returncode == 1 and m["status"] == "budget_exhausted", r.stderr  # as in one process: a stop to resume from
    assert len(fake_server.requests) <= 4 and len(records(run)) <= 4  # each worker spent its share, 2, and no more
    r = run_cli(src, run, fake_server, "--jobs", 4, "--workers", 2, "--cache", "off", cwd=tmp_path / "run-cwd")
    assert r.returncode == 0 and sorted(records(run)) == ids


def _workers_of(proc: subprocess.Popen, n: int, timeout: float = 30.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = psutil.Process(proc.pid).children()
        if len(kids) >= n:
            return kids
        time.sleep(0.05)
    raise AssertionError(f"{n} worker processes did not start")


def _gone(procs: list[psutil.Process], timeout: float = 15.0) -> bool:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return not alive


@pytest.mark.parametrize("how", ["kill the driver", "kill a worker", "ctrl-c"])
def test_a_job_that_ends_early_resumes_without_loss_or_duplicates(tmp_path, how):
    src = tmp_path / "in.jsonl"
    ids = write_articles(src, 40)
    run = tmp_path / "run"
    with FakeOpenAIServer(latency=0.15) as server:
        proc = subprocess.Popen(command(src, run, server, "--jobs", 4, "--workers", 2, "--cache", "off"), cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
        workers = _workers_of(proc, 2)
        wait_for_lines(run / "claims.jsonl", 3, proc)
        if how == "kill the driver":
            proc.kill()
        elif how == "kill a worker":
            workers[0].kill()
        else:
            proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
        assert _gone(workers), "a worker outlived its job"
        err = proc.stderr.read()
        assert "Traceback" not in err and "Exception in callback" not in err, err  # workers go quietly too
        m = manifest(run)
        if how == "kill a worker":
            assert code == 1 and m["status"] == "worker_lost" and "worker process" in m["sessions"][-1]["stop_reason"], err
        elif how == "ctrl-c":
            assert code == 130 and m["status"] == "interrupted"
        done = records(run)  # no duplicates among what was written
        assert 0 < len(done) < 40
        server.set_latency(0.0)
        r = run_cli(src, run, server, "--jobs", 4, "--workers", 2, "--cache", "off", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert sorted(records(run)) == ids


def test_a_dead_workers_pipe_reads_as_gone_however_it_fails():
    """A worker killed with rows it had not read yet leaves a reset, not an end of file,
    on the driver's end (the CI failure of stop 23); either way it reads as gone, and a
    send to it is dropped, not raised."""
    ctx = multiprocessing.get_context()
    for unread in (False, True):
        mine, theirs = ctx.Pipe()
        if unread:
            mine.send([{"kind": "record"}])
        theirs.close()
        _tell(mine, STOP_WORK)
        assert _hear(mine) is None
        mine.close()


@pytest.mark.timeout(120)
def test_an_article_that_raises_in_a_worker_stops_the_job_instead_of_hanging_it(tmp_path, monkeypatch):
    """A bug where a record was due (here: the worker's article step raising for one
    article) is a stop with the error, as in one process, not a record the driver waits
    for forever; its traceback is logged, with the API key kept out. The forked workers
    inherit the patch."""
    from claims.extract.backends import build_backend
    from claims.extract.engines.processes import ProcessJob
    from claims.extract.engines.worker import ExtractBatch
    from claims.kernel.settings import make_settings

    src = tmp_path / "in.jsonl"
    write_articles(src, 12)
    bad = json.loads(src.read_text(encoding="utf-8").splitlines()[5])["id"]
    one = ExtractBatch._one

    async def broken(self, row):
        if row["id"] == bad:
            raise RuntimeError("a bug near sk-secretkey12345")
        return await one(self, row)

    monkeypatch.setattr(ExtractBatch, "_one", broken)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secretkey12345")
    logged = logging.FileHandler(tmp_path / "worker.log")  # the workers inherit it, and it flushes each record
    monkeypatch.setattr(logging.getLogger("claims.extract.engines.processes"), "handlers", [logged])
    settings = make_settings(backend="rules", jobs=4)
    summary = ProcessJob(inputs=[str(src)], run_dir=tmp_path / "run", backend=build_backend(settings), settings=settings, jobs=4,
                         workers=2).run()
    m = manifest(tmp_path / "run")
    assert summary.status == m["status"] == "error" and summary.exit_code == 1
    assert f"article {bad}: RuntimeError: a bug near ***" in summary.stop_reason
    logged.close()
    err = (tmp_path / "worker.log").read_text(encoding="utf-8")
    assert f"article {bad} raised" in err and "in broken" in err and "sk-secretkey12345" not in err + json.dumps(m)
    assert bad not in records(tmp_path / "run")  # left for a resume


def test_a_workers_loop_reads_and_writes_the_frames_a_pipe_connection_does():
    """The worker serves its end of the pipe on its event loop; the driver keeps the
    blocking ``Connection``. Messages larger than the socket's buffers go both ways."""
    mine, theirs = multiprocessing.get_context().Pipe()
    sent = [{"kind": "claims", "record": "é" * 600_000, "claims": 3}, STOP_WORK]
    got: list = []
    driver = threading.Thread(target=lambda: (mine.send(sent), got.append(mine.recv())))
    driver.start()

    async def echo() -> None:
        reader, writer = await asyncio.open_connection(sock=socket.socket(fileno=os.dup(theirs.fileno())))
        writer.write(_frame(await _read_frame(reader)))
        await writer.drain()
        writer.close()

    asyncio.run(echo())
    driver.join(timeout=10)
    assert got == [sent]
    theirs.close()
    mine.close()


def test_long_articles_and_large_records_do_not_deadlock_the_pipes(tmp_path):
    """Rows of long articles one way and records of many claims the other each overflow a
    pipe's buffer: neither end may wait on a full pipe while the other waits on it (a
    worker that stops reading rows while it sends a record hangs the job)."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "gold" / "articles").glob("*.txt"))]
    src = tmp_path / "in.jsonl"
    ids = [f"long{i:03d}" for i in range(120)]
    src.write_text("".join(json.dumps({"id": aid, "text": f"DISPATCH {i}\n\n" + "\n\n".join(seeds * 4)}) + "\n"
                           for i, aid in enumerate(ids)), encoding="utf-8")
    with FakeOpenAIServer(latency=0.2) as server:  # answers come back together, so records leave in bursts
        r = run_cli(src, tmp_path / "run", server, "--jobs", 32, "--workers", 2, "--cache", "off", "--chunk-chars", 1_000_000,
                    timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(records(tmp_path / "run")) == ids
