"""The API key never leaves the process: a full job, its error paths and its reports, grepped.

An LLM job runs through the real CLI against the local fake server with a distinctive
key in OPENAI_API_KEY, debug logging on, a response cache, a retried 500, a 429, a
re-ask and a 401; then the run is evaluated into every report format. Every byte the
commands printed and every file they wrote is searched for the key and for "Bearer".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from claims.extract.cache import ResponseCache

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk-proj-LEAKCANARY-7f3a9c2e51d84b06aa"
# fragments that would betray a partly masked key too
FRAGMENTS = (SECRET, "LEAKCANARY", "7f3a9c2e51d84b06", "Bearer", "bearer ")

# Runs the CLI with every logger at DEBUG into a file: the SDK's and httpx's logs count as "logs" too.
WRAPPER = """
import logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
sys.argv = ["claims", *sys.argv[2:]]
from claims.cli.main import main
main()
"""


def claims(wrapper: Path, log: Path, *args: object) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["OPENAI_API_KEY"] = SECRET
    return subprocess.run([sys.executable, str(wrapper), str(log), *map(str, args)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f.lower() in text.lower()]


def test_api_key_never_in_output_logs_manifest_cache_failures_or_reports(fake_server, tmp_path):
    wrapper = tmp_path / "claims_debug.py"
    wrapper.write_text(WRAPPER, encoding="utf-8")
    log = tmp_path / "debug.log"
    run, cache = tmp_path / "run", tmp_path / "cache"
    # jobs=1 keeps the order: article 1 meets a 500, a 429 and three malformed answers (two re-asks, then
    # a recorded failure); article 2 a 401, which stops the job
    fake_server.add_faults("500", {"kind": "429", "retry_after": 0}, "malformed", "malformed", "malformed", "auth")
    common = ("--backend", "openai", "--base-url", fake_server.base_url, "--model", "fake", "--cache-dir", cache,
              "--timeout", 5, "--backoff-base", 0.01, "--jobs", 1)
    outputs = []
    r = claims(wrapper, log, "extract", "gold/articles", "-o", run, *common, "--json")
    outputs.append(r)
    assert r.returncode == 2, r.stderr  # the 401 stopped the job
    assert '"error":"ValidationError"' in (run / "failures.jsonl").read_text(encoding="utf-8")
    assert "HTTP 401" in json.loads((run / "manifest.json").read_text())["sessions"][-1]["stop_reason"]
    # resume: the failed article again (now fine), the rest from the cache
    r = claims(wrapper, log, "extract", "gold/articles", "-o", run, *common)
    outputs.append(r)
    assert r.returncode == 0, r.stderr
    outputs.append(claims(wrapper, log, "show", run))
    reports = tmp_path / "reports"
    reports.mkdir()
    r = claims(wrapper, log, "eval", run, "--gold", "gold", "--json", "-o", reports / "r.json", "--markdown", reports / "r.md",
               "--html", reports / "r.html", "--junit", reports / "r.xml", "--resamples", 50)
    outputs.append(r)
    assert r.returncode in (0, 1), r.stderr  # scored (a gate may say 1), not an error
    outputs.append(claims(wrapper, log, "extract", "gold/articles", "-o", tmp_path / "bad", "--backend", "openai",
                          "--base-url", fake_server.base_url, "--model", "fake", "--mode", "xml"))  # a user error path
    assert outputs[-1].returncode == 2

    # the key really was used: the server received "Bearer <key>"
    assert hashlib.sha256(f"Bearer {SECRET}".encode()).hexdigest() in fake_server.auth_seen
    assert any(q.fault == "auth" for q in fake_server.chat_requests)

    for i, r in enumerate(outputs):
        assert not leaks(r.stdout) and not leaks(r.stderr), (i, leaks(r.stdout + r.stderr))
    files = [p for d in (run, cache, reports) for p in d.rglob("*") if p.is_file()] + [log]
    assert ResponseCache(cache, "replay").size()[0] >= 5  # the cache was written (its pack files are among the files read below)
    assert {p.name for p in files} >= {"claims.jsonl", "failures.jsonl", "manifest.json", "r.json", "r.md", "r.html", "r.xml", "debug.log"}
    assert log.stat().st_size > 1000  # debug logging really ran
    for p in files:
        found = leaks(p.read_bytes().decode("utf-8", errors="replace"))
        assert not found, (p, found)
