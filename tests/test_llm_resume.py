"""Kill and resume an LLM job run through the real CLI, with the server surviving the kills.

The job is a subprocess (`python -m claims.cli.main extract --backend openai ...`);
the fake server runs in this process and records every request with the article id
its prompt names, so the test can say which session asked for which article and
check that no article was asked for more often than its retries and the kills explain.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fake_server import FakeOpenAIServer, article_id_of

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "gold" / "articles").glob("*.txt"))
JOBS = 4


def write_articles(path: Path, n: int) -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    ids = [f"r{i:03d}" for i in range(n)]
    path.write_text(
        "".join(json.dumps({"id": aid, "text": f"DISPATCH {i}\n\n{seeds[i % len(seeds)]}"}) + "\n" for i, aid in enumerate(ids)),
        encoding="utf-8",
    )
    return ids


def start(src: Path, run: Path, server: FakeOpenAIServer) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    args = [
        "extract", src, "-o", run, "--backend", "openai", "--base-url", server.base_url, "--model", "fake",
        "--cache", "off", "--jobs", JOBS, "--timeout", 5, "--max-attempts", 10, "--backoff-base", 0.01, "--backoff-max", 0.05,
    ]
    return subprocess.Popen(
        [sys.executable, "-m", "claims.cli.main", *map(str, args)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for_lines(path: Path, n: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lines(path) >= n:
            return
        assert proc.poll() is None, f"job ended before {n} lines: {proc.stderr.read() if proc.stderr else ''}"
        time.sleep(0.002)
    raise AssertionError(f"{path} never reached {n} lines")


def records(run: Path) -> list[dict]:
    return [json.loads(l) for l in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines()]


def without_usage(recs: list[dict]) -> dict[str, dict]:
    """Article results as a set keyed by id; usage differs with retries, nothing else may."""
    return {r["article_id"]: {k: v for k, v in r.items() if k != "usage"} for r in recs}


def server_with_faults(seed: int) -> FakeOpenAIServer:
    """Transport faults only: they cost retries but never change an answer."""
    return FakeOpenAIServer(latency=0.03, fault_probs={"429": 0.1, "500": 0.05}, fault_options={"429": {"retry_after": 0}}, seed=seed).start()


@pytest.mark.slow
def test_sigkill_three_times_then_resume_equals_uninterrupted_run(tmp_path):
    src = tmp_path / "in.jsonl"
    ids = write_articles(src, 120)
    server = server_with_faults(seed=11)
    try:
        ref = tmp_path / "ref"
        p = start(src, ref, server)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        server.requests.clear()

        run = tmp_path / "run"
        rng = random.Random(8)
        third = (len(ids) - 20) // 3  # one random moment in each third of the job
        targets = [rng.randint(8 + k * third, (k + 1) * third) for k in range(3)]
        kills: list[float] = []  # server-clock time of each kill
        lines_at_kill: list[int] = []
        for target in targets:
            p = start(src, run, server)
            wait_for_lines(run / "claims.jsonl", target, p)
            p.send_signal(signal.SIGKILL)
            assert p.wait(timeout=30) == -signal.SIGKILL  # killed mid-job, not finished
            kills.append(time.monotonic())
            lines_at_kill.append(lines(run / "claims.jsonl"))
        p = start(src, run, server)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        reqs = list(server.chat_requests)
    finally:
        server.stop()

    got, want = records(run), records(ref)
    assert len(got) == len(ids) == len({r["article_id"] for r in got})  # none lost, none duplicated
    assert without_usage(got) == without_usage(want)  # identical article results
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and len(m["sessions"]) == 4 and m["articles_done"] == len(ids)

    # Which session wrote each record: a record is whole in the session that wrote it;
    # a torn last line at a kill is cut by the next session and redone.
    session_of: dict[str, int] = {}
    start_line = 0
    for s, end_line in enumerate([*lines_at_kill, len(got)]):
        for r in got[start_line:end_line]:
            session_of.setdefault(r["article_id"], s)
        start_line = max(start_line, end_line)
    assert set(session_of) == set(ids)
    usage = {r["article_id"]: r["usage"] for r in got}

    def session(t: float) -> int:
        return sum(t > k for k in kills)

    per_session: list[Counter[str]] = [Counter() for _ in range(len(kills) + 1)]
    torn = 0
    for q in reqs:
        if not isinstance(q.body, dict):  # a body cut off by the kill mid-send: lost, never answered
            assert session(q.time) < len(kills)
            torn += 1
            continue
        aid = article_id_of(q.body)
        assert aid in usage, aid
        per_session[session(q.time)][aid] += 1
    lost = torn
    for s, counts in enumerate(per_session):
        in_flight = {aid for aid in counts if session_of[aid] != s}
        # requests for an article its session did not finish: only those in flight at the kill
        assert s < len(kills) or not in_flight, in_flight
        assert len(in_flight) <= JOBS, (s, in_flight)
        assert all(session_of[aid] > s for aid in in_flight)  # never asked again once done
        lost += sum(counts[aid] for aid in in_flight)
    for aid in ids:
        # in the session that finished it, exactly the requests its record counts (1 + retries)
        assert per_session[session_of[aid]][aid] == usage[aid]["requests"] == 1 + usage[aid]["retries"], aid
    assert len(reqs) == sum(u["requests"] for u in usage.values()) + lost
    assert sum(u["retries"] for u in usage.values()) > 0  # the faults really cost retries
    print(f"\nkill/resume: kills after {lines_at_kill} records; {len(reqs)} requests = "
          f"{sum(u['requests'] for u in usage.values())} counted + {lost} lost to kills")


@pytest.mark.slow
def test_sigint_stops_cleanly_flushes_and_says_how_to_resume(tmp_path):
    src = tmp_path / "in.jsonl"
    ids = write_articles(src, 300)
    server = server_with_faults(seed=5)
    run = tmp_path / "run"
    try:
        p = start(src, run, server)
        wait_for_lines(run / "claims.jsonl", 20, p)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 130, err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
        assert "Resume with the same command" in err and str(run) in err and "--backend openai" in err
        m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        raw = (run / "claims.jsonl").read_bytes()
        assert raw.endswith(b"\n")  # flushed: no torn last line
        done = [r["article_id"] for r in records(run)]
        assert m["status"] == "interrupted" and m["articles_done"] == len(done)
        assert 20 <= len(done) < len(ids) and len(done) == len(set(done))
        assert m["sessions"][-1]["status"] == "interrupted"

        p = start(src, run, server)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    finally:
        server.stop()
    final = [r["article_id"] for r in records(run)]
    assert sorted(final) == sorted(ids)  # resumed to the end, nothing duplicated
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and m["sessions"][-1]["resumed_from"] == len(done)
