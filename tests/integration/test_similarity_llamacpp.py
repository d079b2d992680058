"""The embedding and judge similarities against a real llama.cpp server (llama-cpp-python + SmolLM2-135M).

A 135M model is no judge of truth conditions and its token embeddings (llama-cpp-python
answers one vector per token for a model without a pooling layer; the client mean-pools
them) are not tuned for sentences: these tests check the protocol and record the
outcome, not quality. Every request goes through the real client, the project's retry
layer and the cache.

Run: pytest -m integration tests/integration   (needs: pip install -e '.[integration]')
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from claims.extract import statement_similarity

from .llama_server import Server

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "gold" / "articles" / "002_b3ab42dc1f453a6b.txt"
PAIRS = [("The ferry sank off Lesbos on Monday.", "On Monday the ferry went down off Lesbos."),
         ("The port was closed on Monday.", "The port was reopened on Monday.")]


def test_embedding_endpoint(embedding_server: Server, tmp_path: Path) -> None:
    sim = statement_similarity("embedding", model=embedding_server.model, base_url=embedding_server.base_url,
                               cache_dir=str(tmp_path), jobs=1, timeout=300)
    prepared = sim.prepare([s for pair in PAIRS for s in pair])
    vecs = np.stack([p.inner for p in prepared])  # the embedding behind each fact-checked statement
    assert vecs.shape == (4, 576) and np.isfinite(vecs).all()  # SmolLM2-135M's hidden size
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    same, opposite = sim.compare_pairs([(prepared[0], prepared[1]), (prepared[2], prepared[3])], cut=0.0)  # check every pair
    assert 0.0 <= same.score <= 1.0 and same.conflict is None
    assert not opposite.match and opposite.conflict is not None and opposite.conflict.check == "antonym"
    first = sim.stats()
    assert first["requests"] >= 1 and first["embedded"] == 4
    sim.prepare([s for pair in PAIRS for s in pair])  # again: from the cache, nothing sent
    assert sim.stats()["requests"] == first["requests"] and sim.stats()["cache_hits"] == 4
    print(f"llama.cpp embeddings: dim {vecs.shape[1]}, paraphrase cosine {same.score:.3f}, stats {sim.stats()}")


def test_eval_with_the_embedding_endpoint(embedding_server: Server, tmp_path: Path) -> None:
    """`claims eval --similarity embedding` against the server, end to end through the CLI."""
    script = Path(sys.executable).with_name("claims")
    claims = [str(script)] if script.exists() else [sys.executable, "-m", "claims.cli.main"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    run = tmp_path / "run"
    subprocess.run([*claims, "extract", str(ARTICLE), "-o", str(run), "--quiet"], check=True, env=env, timeout=120)
    out = subprocess.run([*claims, "eval", str(run), "--gold", str(ROOT / "gold"), "--json", "--no-floor", "--resamples", "20",
                          "--similarity", "embedding", "--similarity-model", embedding_server.model,
                          "--similarity-base-url", embedding_server.base_url, "--similarity-cache-dir", str(tmp_path / "cache"),
                          "--similarity-jobs", "1"],
                         capture_output=True, text=True, env=env, timeout=840)
    assert out.returncode == 0, out.stderr[-2000:] + embedding_server.log_tail()
    result = json.loads(out.stdout)
    th = result["thresholds"]
    assert th["statement_method"] == f"embedding:{embedding_server.model}"
    assert th["similarity_usage"]["requests"] >= 1 and th["similarity_usage"]["embedded"] > 0
    print(f"eval with llama.cpp embeddings: F1 {result['claims']['f1']:.3f}, usage {th['similarity_usage']}")


def test_judge_via_chat(server: Server, tmp_path: Path) -> None:
    sim = statement_similarity("judge", model=server.model, base_url=server.base_url, cache_dir=str(tmp_path),
                               jobs=1, max_tokens=48, timeout=300, max_attempts=2)
    prepared = sim.prepare([s for pair in PAIRS for s in pair])
    paraphrase, antonym = sim.compare_pairs([(prepared[0], prepared[1]), (prepared[2], prepared[3])])
    assert paraphrase.score in (0.0, 0.5, 1.0) and paraphrase.conflict is None
    assert antonym.conflict is not None and antonym.score == 0.0  # vetoed first: never sent to the judge
    stats = sim.stats()
    # llama-cpp-python refuses json_schema with an HTTP 500: the judge falls back to json_object
    assert stats["mode"] == "json_object"
    assert stats["pairs"] == 1 and stats["requests"] >= 2  # one pair, both orders (plus the refused probe, re-asks)
    assert stats["prompt_tokens"] > 0 and stats["completion_tokens"] > 0
    again = statement_similarity("judge", model=server.model, base_url=server.base_url, cache_dir=str(tmp_path), jobs=1,
                                 max_tokens=48, timeout=300)
    assert again.compare(*again.prepare(list(PAIRS[0]))).score == paraphrase.score
    assert again.stats()["requests"] == 0  # the recorded answers: same outcome, no request
    print(f"llama.cpp judge (135M): paraphrase score {paraphrase.score}, stats {stats}")
