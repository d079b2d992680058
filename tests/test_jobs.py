"""The job runner: outputs, failure isolation, resume after a kill, Ctrl-C, budgets, secrets."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from claims.extract.backends.base import BudgetExhausted, ExtractionError, SyncBackend
from claims.extract.jobs import Job
from claims.kernel.rundir import CLAIMS, FAILURES, MANIFEST
from claims.kernel.schema import Claim, Span, Usage

ROOT = Path(__file__).resolve().parents[1]


class FirstWord(SyncBackend):
    """One claim per article: its first word. Behaviour keyed on the article id."""

    name = "firstword"

    def extract(self, article):
        if "boom" in article.id:
            raise RuntimeError("backend crashed")
        if "fail" in article.id:
            raise ExtractionError("model said nonsense", error="ValidationError", usage=Usage(requests=3, reasks=2, prompt_tokens=30))
        end = article.text.index(" ") if " " in article.text else len(article.text)
        span = Span(start=0, end=end + (1 if "offby1" in article.id else 0))
        return self.result(article, [Claim(statement=article.text[:end], quote=article.text[:end], quote_span=span)], Usage(requests=1, prompt_tokens=10))


def write_jsonl(path: Path, ids):
    path.write_text("".join(json.dumps({"id": i, "text": f"Word{i} said something."}) + "\n" for i in ids), encoding="utf-8")


def read_ids(path: Path):
    return [json.loads(line)["article_id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_outputs_and_failure_isolation(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a", "boom1", "b", "fail1", "offby1", "c"])
    with src.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    run = tmp_path / "run"
    s = Job(inputs=[str(src)], run_dir=run, backend=FirstWord(), jobs=3).run()
    assert s.status == "complete"
    assert sorted(read_ids(run / CLAIMS)) == ["a", "b", "c"]
    fails = {json.loads(l)["article_id"]: json.loads(l) for l in (run / FAILURES).read_text().splitlines()}
    assert fails["boom1"]["error"] == "RuntimeError" and fails["boom1"]["message"] == "backend crashed"
    assert fails["fail1"]["usage"]["reasks"] == 2  # tokens of failed attempts still counted
    assert fails["offby1"]["stage"] == "validate" and "quote span" in fails["offby1"]["message"]
    assert fails[f"{src}:7"]["stage"] == "load"
    m = json.loads((run / MANIFEST).read_text())
    assert m["articles_done"] == 3 and m["articles_failed"] == 4 and m["claims"] == 3
    # three successes, the invalid-span one, and the failed one's three attempts
    assert m["usage"]["requests"] == 3 + 1 + 3
    assert m["usage"]["prompt_tokens"] == 30 + 10 + 30
    assert not list(run.glob(".*.tmp"))  # no temp files left behind


def test_rerun_resumes_and_retries_failures(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a", "fail1", "b"])
    run = tmp_path / "run"
    Job(inputs=[str(src)], run_dir=run, backend=FirstWord()).run()
    calls = []

    class Counting(FirstWord):
        def extract(self, article):
            calls.append(article.id)
            return super().extract(article)

    s = Job(inputs=[str(src)], run_dir=run, backend=Counting()).run()
    assert calls == ["fail1"] and s.done_before == 2
    assert sorted(read_ids(run / CLAIMS)) == ["a", "b"]
    assert len((run / FAILURES).read_text().splitlines()) == 1
    m = json.loads((run / MANIFEST).read_text())
    assert [x["resumed_from"] for x in m["sessions"]] == [0, 2]
    Job(inputs=[str(src)], run_dir=run, backend=Counting(), overwrite=True).run()
    assert calls.count("a") == 1


def test_partial_last_line_from_a_kill_is_cut_and_redone(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a", "b"])
    run = tmp_path / "run"
    Job(inputs=[str(src)], run_dir=run, backend=FirstWord()).run()
    lines = (run / CLAIMS).read_text().splitlines()
    (run / CLAIMS).write_text(lines[0] + "\n" + lines[1][:25], encoding="utf-8")
    Job(inputs=[str(src)], run_dir=run, backend=FirstWord()).run()
    assert sorted(read_ids(run / CLAIMS)) == ["a", "b"]


def test_resume_refuses_different_settings(tmp_path):
    from claims.kernel.errors import UserError

    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a"])
    Job(inputs=[str(src)], run_dir=tmp_path / "run", backend=FirstWord()).run()

    class Other(FirstWord):
        name = "other"

    with pytest.raises(UserError, match="different settings.*--overwrite"):
        Job(inputs=[str(src)], run_dir=tmp_path / "run", backend=Other()).run()


def test_budget_stops_cleanly_and_resume_finishes(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [f"a{i}" for i in range(10)])

    class Budgeted(FirstWord):
        def __init__(self, budget):
            self.budget = budget

        def extract(self, article):
            if self.budget == 0:
                raise BudgetExhausted()
            self.budget -= 1
            return super().extract(article)

    run = tmp_path / "run"
    s = Job(inputs=[str(src)], run_dir=run, backend=Budgeted(4)).run()
    assert s.status == "budget_exhausted" and len(read_ids(run / CLAIMS)) == 4
    assert json.loads((run / MANIFEST).read_text())["status"] == "budget_exhausted"
    s = Job(inputs=[str(src)], run_dir=run, backend=Budgeted(100)).run()
    assert s.status == "complete" and sorted(read_ids(run / CLAIMS)) == sorted(f"a{i}" for i in range(10))


def test_secrets_never_reach_outputs(tmp_path, monkeypatch):
    secret = "sk-test-SECRET-1234567890abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)

    class Leaky(FirstWord):
        def extract(self, article):
            raise ExtractionError(f"401 for key {secret} with Authorization: Bearer {secret}")

    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a"])
    from claims.kernel.redact import known_secrets

    Job(inputs=[str(src)], run_dir=tmp_path / "run", backend=Leaky(), command=["claims", "--key", secret], secrets=known_secrets()).run()
    for f in (tmp_path / "run").iterdir():
        assert secret not in f.read_text(), f


SLOW_JOB = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from claims.extract.backends.base import Backend
    from claims.kernel.schema import Claim, Span
    from claims.extract.jobs import Job

    class Slow(Backend):
        name = "slow"
        async def aextract(self, article):
            await asyncio.sleep(0.01)
            end = article.text.index(" ")
            return self.result(article, [Claim(statement=article.text[:end], quote=article.text[:end], quote_span=Span(start=0, end=end))])

    s = Job(inputs=[sys.argv[1]], run_dir=Path(sys.argv[2]), backend=Slow(), jobs=4, command=["claims", "extract"]).run()
    sys.exit(130 if s.status == "interrupted" else 0)
    """
)


def _start(script, src, run):
    return subprocess.Popen([sys.executable, str(script), str(src), str(run)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lines(path: Path, n: int, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.005)
    raise AssertionError(f"{path} never reached {n} lines")


@pytest.mark.slow
def test_sigkill_three_times_then_resume_equals_uninterrupted(tmp_path):
    import random

    script = tmp_path / "job.py"
    script.write_text(SLOW_JOB)
    src = tmp_path / "in.jsonl"
    ids = [f"n{i:04d}" for i in range(600)]
    write_jsonl(src, ids)
    ref = tmp_path / "ref"
    assert _start(script, src, ref).wait(timeout=120) == 0
    run = tmp_path / "run"
    rng = random.Random(7)
    for target in sorted(rng.sample(range(20, 550), 3)):
        p = _start(script, src, run)
        _wait_for_lines(run / CLAIMS, target)
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert _start(script, src, run).wait(timeout=120) == 0
    got = [json.loads(l) for l in (run / CLAIMS).read_text().splitlines()]
    want = [json.loads(l) for l in (ref / CLAIMS).read_text().splitlines()]
    assert len(got) == len(ids)  # none lost, none duplicated
    key = lambda r: r["article_id"]  # noqa: E731
    assert sorted(got, key=key) == sorted(want, key=key)
    assert len(json.loads((run / MANIFEST).read_text())["sessions"]) >= 2


@pytest.mark.slow
def test_sigint_stops_cleanly_and_says_how_to_resume(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(SLOW_JOB)
    src = tmp_path / "in.jsonl"
    write_jsonl(src, [f"n{i:04d}" for i in range(2000)])
    run = tmp_path / "run"
    p = _start(script, src, run)
    _wait_for_lines(run / CLAIMS, 50)
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=30) == 130
    m = json.loads((run / MANIFEST).read_text())
    assert m["status"] == "interrupted"
    done = read_ids(run / CLAIMS)
    assert 50 <= len(done) < 2000 and len(done) == len(set(done))
    assert m["articles_done"] == len(done)


def test_atomic_writes_get_the_usual_file_mode(tmp_path):
    """Temp files start 0600; published reports and runs must be readable like any other file."""
    from claims.kernel.io import atomic_write_text

    atomic_write_text(tmp_path / "r.html", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_engine_bug_is_recorded_as_an_error_not_a_completed_job(tmp_path):
    """An exception from the engine itself (not an article's failure) goes up with its
    traceback; the manifest says the session ended in error, and a resume does the rest."""
    src = tmp_path / "in.jsonl"
    write_jsonl(src, ["a", "b"])
    run = tmp_path / "run"

    class Broken(Job):
        def _execute(self, done, writer, summary):
            raise RuntimeError("engine bug")

    with pytest.raises(RuntimeError, match="engine bug"):
        Broken(inputs=[str(src)], run_dir=run, backend=FirstWord()).run()
    m = json.loads((run / MANIFEST).read_text())
    assert m["status"] == "error" and m["sessions"][-1]["stop_reason"] == "RuntimeError: engine bug"
    assert Job(inputs=[str(src)], run_dir=run, backend=FirstWord()).run().status == "complete"
    assert sorted(read_ids(run / CLAIMS)) == ["a", "b"]
