"""What a job does when the server misbehaves as a whole, through the real CLI (a
`claims extract` subprocess) against the local fault server: a dead URL, a refused key,
a server that goes away and comes back, one that fails every request, a burst of 429s
with `Retry-After: 0`, and garbage answers followed by a healthy server on the same cache.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_server import FakeOpenAIServer

from claims.extract.cache import ResponseCache

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-test-" + "endpoint-0000000000"


def cli(*args: object, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["OPENAI_API_KEY"] = KEY
    return subprocess.run([sys.executable, "-m", "claims.cli.main", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=timeout)


def corpus(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"a{i:04d}", "text": f"Police chief Anna Berg said on Monday that bridge {i} would reopen in May."}) + "\n"
                            for i in range(n)), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def extract(src: Path, run: Path, base_url: str, *extra: object, timeout: float = 300) -> subprocess.CompletedProcess:
    return cli("extract", src, "-o", run, "--backend", "openai", "--base-url", base_url, "--model", "fake-model", *extra, timeout=timeout)


def manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def test_a_dead_url_stops_a_1000_article_job_in_seconds_and_names_the_url(tmp_path):
    src = corpus(tmp_path / "in.jsonl", 1000)
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    t0 = time.monotonic()
    r = extract(src, tmp_path / "run", dead, "-j", 8)
    took = time.monotonic() - t0
    assert r.returncode == 2, r.stderr
    assert took < 30, took
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and dead in errors[0] and "cannot reach" in errors[0] and KEY not in r.stderr
    m = manifest(tmp_path / "run")
    assert m["status"] == "endpoint_unavailable" and m["articles_failed"] == 0  # nothing burnt through
    with FakeOpenAIServer() as server:  # the server is up now: the same run directory resumes and finishes
        r = extract(src, tmp_path / "run", server.base_url, "-j", 8, "--cache", "off")
    assert r.returncode == 0, r.stderr and manifest(tmp_path / "run")["articles_done"] == 1000


def test_a_refused_key_stops_the_job_after_one_request(fake_server, tmp_path):
    src = corpus(tmp_path / "in.jsonl", 50)
    fake_server.fault_probs = {"auth": 1.0}
    r = extract(src, tmp_path / "run", fake_server.base_url, "-j", 4, "--cache", "off")
    assert r.returncode == 2 and "HTTP 401" in r.stderr and fake_server.base_url in r.stderr and KEY not in r.stderr
    assert len(fake_server.chat_requests) <= 4  # the requests in flight, not one per article
    assert manifest(tmp_path / "run")["articles_failed"] == 0


@pytest.mark.slow
def test_a_server_gone_for_20_seconds_mid_job_loses_nothing(tmp_path):
    src = corpus(tmp_path / "in.jsonl", 300)
    server = FakeOpenAIServer(latency=0.2).start()  # 300 x 0.2 s / 4 in flight: 15 s of work, the outage in the middle

    def outage() -> None:
        deadline = time.monotonic() + 120
        while len(server.chat_requests) < 40 and time.monotonic() < deadline:  # the job is under way
            time.sleep(0.05)
        server.go_down()
        time.sleep(20)
        server.come_back()

    t = threading.Thread(target=outage)
    t.start()
    try:
        r = extract(src, tmp_path / "run", server.base_url, "-j", 4, "--cache", "off")
    finally:
        t.join()
        server.stop()
    assert r.returncode == 0, r.stderr
    m = manifest(tmp_path / "run")
    assert m["articles_done"] == 300 and m["articles_failed"] == 0
    assert m["usage"]["requests"] == len(server.chat_requests)  # refused connections are not requests
    assert "unreachable" in r.stderr and "answers again" in r.stderr


def test_consecutive_articles_failing_the_same_way_stop_the_job(fake_server, tmp_path):
    src = corpus(tmp_path / "in.jsonl", 200)
    fake_server.fault_probs = {"500": 1.0}
    r = extract(src, tmp_path / "run", fake_server.base_url, "-j", 2, "--cache", "off", "--max-attempts", 2, "--backoff-base", 0.01)
    assert r.returncode == 2, r.stderr
    assert "5 articles in a row failed with InternalServerError" in r.stderr
    m = manifest(tmp_path / "run")
    assert m["status"] == "endpoint_unavailable" and 5 <= m["articles_failed"] <= 7  # not 200


def test_a_one_second_burst_of_429_with_retry_after_0_costs_no_article(fake_server, tmp_path):
    src = corpus(tmp_path / "in.jsonl", 200)
    fake_server.set_latency(0.02)
    fake_server.start_burst(1.0, {"kind": "429", "retry_after": 0})
    r = extract(src, tmp_path / "run", fake_server.base_url, "-j", 64, "--cache", "off")
    assert r.returncode == 0, r.stderr
    m = manifest(tmp_path / "run")
    assert m["articles_done"] == 200 and m["articles_failed"] == 0
    limited = sum(q.fault == "429" for q in fake_server.chat_requests)
    assert limited < 200  # the endpoint pause spares the burst: not 6 x 64 attempts within the second


def test_half_the_requests_rate_limited_every_article_done(fake_server, tmp_path):
    src = corpus(tmp_path / "in.jsonl", 100)
    fake_server.fault_probs = {"429": 0.5}
    fake_server.fault_options = {"429": {"retry_after": 0}}
    r = extract(src, tmp_path / "run", fake_server.base_url, "-j", 16, "--cache", "off", "--max-attempts", 20)
    assert r.returncode == 0, r.stderr
    m = manifest(tmp_path / "run")
    assert m["articles_done"] == 100 and m["usage"]["requests"] == len(fake_server.chat_requests)


def test_garbage_then_a_healthy_server_on_the_same_cache_asks_again(tmp_path):
    src = corpus(tmp_path / "in.jsonl", 1)
    cache = tmp_path / "cache"
    with FakeOpenAIServer(fault_probs={"malformed": 1.0}) as garbage:
        r = extract(src, tmp_path / "run", garbage.base_url, "--cache-dir", cache)
        assert r.returncode == 1 and len(garbage.chat_requests) == 3  # the answer and two re-asks
    assert not ResponseCache(cache, "replay").has_entries()  # nothing that failed was kept
    with FakeOpenAIServer() as healthy:
        r = extract(src, tmp_path / "run", healthy.base_url, "--cache-dir", cache)
        assert r.returncode == 0, r.stderr
        assert len(healthy.chat_requests) == 1  # asked afresh, not replayed from the cache
    assert manifest(tmp_path / "run")["articles_done"] == 1
    [pack] = (cache / "packs").glob("*.jsonl")  # one entry: the answer, with the claims grounded from it
    [entry] = pack.read_text().splitlines()
    assert json.loads(entry)["grounded"]["claims"]
