"""Chaos job: 200 articles through the real CLI against a fault-injecting local server.

The job runs as a user runs it (a `python -m claims.cli.main extract` subprocess);
the server runs in this process, so every request it received can be compared with
what the run directory says was spent. Faults are seeded and random: the test
asserts relations that must hold for any draw, never a fixed count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from fake_server import FakeOpenAIServer

from claims.kernel.schema import ArticleClaims, ArticleFailure

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "gold" / "articles").glob("*.txt"))

# Marginal rates from the issue: each request gets at most one fault.
RATES = {"429": 0.20, "500": 0.05, "hang": 0.05, "malformed": 0.05, "truncated": 0.02}
TRANSPORT = {"429", "500", "hang"}  # retried by the transport layer
TRANSPORT_ERRORS = {"RateLimitError", "InternalServerError", "APITimeoutError"}


def sequential_probs(rates: dict[str, float]) -> dict[str, float]:
    """The fake server draws kinds one after another (first hit wins); convert marginal
    rates into those conditional probabilities so each kind hits its stated share."""
    out, left = {}, 1.0
    for kind, rate in rates.items():
        out[kind] = rate / left
        left -= rate
    return out


def test_sequential_probs_give_the_marginal_rates():
    p = sequential_probs({"a": 0.2, "b": 0.05, "c": 0.05})
    assert p["a"] == pytest.approx(0.2)
    assert (1 - p["a"]) * p["b"] == pytest.approx(0.05)
    assert (1 - p["a"]) * (1 - p["b"]) * p["c"] == pytest.approx(0.05)


def chaos_articles(n: int) -> dict[str, str]:
    """Seed articles made unique by a dateline, and every tenth a one-sentence article
    (a truncated answer on it cannot be split: a recorded failure is the right outcome)."""
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    out = {}
    for i in range(n):
        if i % 10 == 9:
            out[f"a{i:03d}"] = f"Police chief Anna Berg said on Monday that bridge {i} would reopen in May."
        else:
            out[f"a{i:03d}"] = f"DISPATCH {i}\n\n" + seeds[i % len(seeds)]
    return out


def cli(*args: object, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "claims.cli.main", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout,
    )


@pytest.mark.slow
def test_chaos_job_every_article_done_or_failed_once_and_counts_match_the_server(tmp_path):
    texts = chaos_articles(200)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()), encoding="utf-8")
    run = tmp_path / "run"
    server = FakeOpenAIServer(
        fault_probs=sequential_probs(RATES), seed=2,
        fault_options={"429": {"retry_after": 0.05}, "hang": {"seconds": 20}},
    ).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    try:
        r = cli(
            "extract", src, "-o", run, "--backend", "openai", "--base-url", server.base_url, "--model", "fake",
            "--cache", "off", "--jobs", 8, "--timeout", 2, "--max-attempts", 10,
            "--backoff-base", 0.01, "--backoff-max", 0.1, env=env,
        )
        reqs = list(server.chat_requests)
        by_article = server.requests_by_article()
    finally:
        server.stop()
    assert "Traceback" not in r.stderr, r.stderr[-3000:]

    done = [ArticleClaims.model_validate_json(l) for l in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    failed = [ArticleFailure.model_validate_json(l) for l in (run / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    done_ids = [a.article_id for a in done]
    failed_ids = [f.article_id for f in failed]
    # none lost, none duplicated, none both done and failed
    assert len(done_ids) == len(set(done_ids)) and len(failed_ids) == len(set(failed_ids))
    assert not set(done_ids) & set(failed_ids)
    assert sorted(done_ids + failed_ids) == sorted(texts)
    assert r.returncode == (1 if failed else 0), r.stderr[-2000:]
    for a in done:  # validated claims with exact offsets
        assert a.span_problems(texts[a.article_id]) == [], a.article_id
    assert all(a.claims for a in done)  # the fake server's rules answer finds claims in every article
    for f in failed:  # one recorded failure with a reason
        assert f.error and f.message and f.stage == "extract", f
        assert f.error in TRANSPORT_ERRORS | {"ValidationError", "Truncated"}, f

    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    stats = m["backend_stats"]
    faults = Counter(q.fault for q in reqs)
    usage = {a.article_id: a.usage for a in done} | {f.article_id: f.usage for f in failed}
    errors = Counter(f.error for f in failed)

    # every request the server saw is in the manifest, and the other way round
    assert m["status"] == "complete" and m["articles_done"] == len(done) and m["articles_failed"] == len(failed)
    assert m["usage"]["requests"] == stats["requests"] == len(reqs)
    assert None not in by_article  # every request names its article
    for aid, u in usage.items():
        mine = by_article.get(aid, [])
        assert len(mine) == u.requests, aid  # per article: requests seen == requests counted
        f_kinds = Counter(q.fault for q in mine)
        gave_up = 1 if any(f.article_id == aid and f.error in TRANSPORT_ERRORS for f in failed) else 0
        assert sum(f_kinds[k] for k in TRANSPORT) == u.retries + gave_up, aid
    # retries: each 429/500/hang answer is one retry, unless it was the last attempt
    assert m["usage"]["retries"] == stats["retries"] == sum(faults[k] for k in TRANSPORT) - sum(errors[e] for e in TRANSPORT_ERRORS)
    # re-asks: each malformed answer is re-asked, unless the re-asks were spent
    assert m["usage"]["reasks"] == stats["reasks"] == faults["malformed"] - errors["ValidationError"]
    # truncation: each truncated answer splits its chunk, or fails an unsplittable one
    assert faults["truncated"] == stats["splits"] + errors["Truncated"]
    assert all(texts[f.article_id].count(".") == 1 for f in failed if f.error == "Truncated")
    # the faults really happened (seeded): the counts above are not vacuous
    assert faults["429"] > 20 and faults["500"] and faults["hang"] and faults["malformed"] and faults["truncated"]
    print(
        f"\nchaos: {len(done)} done, {len(failed)} failed {dict(errors)}; server {len(reqs)} requests, faults {dict(faults)}; "
        f"manifest requests {m['usage']['requests']} retries {m['usage']['retries']} reasks {m['usage']['reasks']} "
        f"splits {stats['splits']}; {m['wall_seconds']:.1f}s"
    )
