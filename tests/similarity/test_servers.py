"""Embedding endpoint and LLM judge against the real local fake server (tests/fake_server.py).

Real sockets and the official client: batching, the response cache (a second run sends
nothing), retries on 429/500 with the request counted, replay without a server, and the
judge asked in both orders with structured output, fallback, re-ask and usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claims.extract import statement_similarity
from claims.kernel.errors import UserError
from tests.fake_server import FakeOpenAIServer


@pytest.fixture
def server() -> Any:
    with FakeOpenAIServer() as srv:
        yield srv


def embed_requests(server: FakeOpenAIServer) -> list[Any]:
    return [r for r in server.requests if r.path.endswith("/embeddings")]


def test_endpoint_embeddings_batched_cached_and_retried(server: FakeOpenAIServer, tmp_path: Path) -> None:
    statements = [f"The port moved {i} tonnes of grain on Monday" for i in range(10)] + ["The port moved 0 tonnes of grain on Monday"]
    server.add_faults("429", "500")
    sim = statement_similarity("embedding", model="fake-embed", base_url=server.base_url, cache_dir=str(tmp_path),
                               batch_size=4, jobs=2, max_attempts=3)
    assert sim.name == "embedding:fake-embed"
    vecs = sim.vectors(statements)
    assert vecs.shape == (11, 64)
    assert abs(float((vecs[0] ** 2).sum()) - 1.0) < 1e-5  # normalised
    assert (vecs[0] == vecs[10]).all()  # the same text, sent once
    reqs = embed_requests(server)
    assert sorted(len(r.body["input"]) for r in reqs if r.fault is None) == [2, 4, 4]  # 10 unique texts, batches of 4
    assert sum(r.fault is not None for r in reqs) == 2
    stats = sim.stats()
    assert stats["requests"] == len(reqs) == 5 and stats["retries"] == 2 and stats["embedded"] == 10

    again = statement_similarity("embedding", model="fake-embed", base_url=server.base_url, cache_dir=str(tmp_path))
    assert (again.vectors(statements) == vecs).all()
    assert len(embed_requests(server)) == 5 and again.stats()["cache_hits"] == 10  # nothing sent twice
    replay = statement_similarity("embedding", model="fake-embed", base_url="http://127.0.0.1:9/v1",
                                  cache_dir=str(tmp_path), cache="replay")
    with pytest.raises(UserError, match="no embedding in the cache"):
        replay.vectors(["A statement never embedded"])


def test_endpoint_embedding_scores_through_the_fact_checks(server: FakeOpenAIServer, tmp_path: Path) -> None:
    sim = statement_similarity("embedding", model="fake-embed", base_url=server.base_url, cache_dir=str(tmp_path))
    a, b, c = sim.prepare(["12 people were injured in Lyon", "12 people were injured in Lyon", "21 people were injured in Lyon"])
    assert sim.compare(a, b).score == pytest.approx(1.0) and sim.compare(a, b).match
    v = sim.compare(a, c)
    assert not v.match and str(v.conflict) == "number: '12 people' vs '21 people'"


def judge_answer(same: bool | None) -> Any:
    def respond(body: dict[str, Any]) -> str:
        if same is None:
            return "I think they are similar."  # not JSON: re-asked, then counted invalid
        return json.dumps({"same_claim": same, "reason": "test"})
    return respond


def test_judge_asks_both_orders_with_structured_output_and_cache(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.responder = judge_answer(True)
    sim = statement_similarity("judge", model="fake-judge", base_url=server.base_url, cache_dir=str(tmp_path), jobs=2)
    assert sim.name == "judge:fake-judge:same-claim@v1" and sim.threshold == 1.0 and sim.costly
    a, b, c = sim.prepare(["The ferry sank.", "The ferry went down.", "21 people died."])
    v = sim.compare_pairs([(a, b), (a, c)])
    assert v[0].score == 1.0 and v[0].match
    assert v[1].score == 1.0 and v[1].match  # no facts to conflict: the judge decides
    chats = server.chat_requests
    assert len(chats) == 4  # two pairs, both orders
    users = sorted(m["content"] for r in chats for m in r.body["messages"] if m["role"] == "user")
    assert any(u.startswith("Claim 1: The ferry sank.\nClaim 2: The ferry went down.") for u in users)
    assert any(u.startswith("Claim 1: The ferry went down.\nClaim 2: The ferry sank.") for u in users)
    assert all(r.body["response_format"]["type"] == "json_schema" for r in chats)
    stats = sim.stats()
    assert stats["requests"] == 4 and stats["prompt_tokens"] > 0 and stats["pairs"] == 2
    # a conflicting pair is never sent: the fact checks decide first
    d, e = sim.prepare(["12 people died.", "21 people died."])
    assert str(sim.compare(d, e).conflict) == "number: '12 people' vs '21 people'"
    assert len(server.chat_requests) == 4
    # the same questions again come from the cache
    again = statement_similarity("judge", model="fake-judge", base_url=server.base_url, cache_dir=str(tmp_path))
    assert again.compare(*again.prepare(["The ferry sank.", "The ferry went down."])).match
    assert len(server.chat_requests) == 4 and again.stats()["cache_hits"] == 2


def test_judge_falls_back_reasks_and_counts_invalid_answers(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.refuse_modes = {"json_schema"}
    server.refuse_style = "llama-cpp-python"
    server.responder = judge_answer(None)
    sim = statement_similarity("judge", model="fake-judge", base_url=server.base_url, cache_dir=str(tmp_path), jobs=1)
    v = sim.compare(*sim.prepare(["The ferry sank.", "The ferry went down."]))
    assert v.score == 0.0 and not v.match
    stats = sim.stats()
    assert stats["mode"] == "json_object" and stats["invalid_answers"] == 2 and stats["reasks"] == 2
    modes = [r.body.get("response_format", {}).get("type") for r in server.chat_requests]
    assert modes[0] == "json_schema" and set(modes[1:]) == {"json_object"}


def test_judge_cost_from_a_price_table(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.responder = judge_answer(False)
    sim = statement_similarity("judge", model="fake-judge", base_url=server.base_url, cache_dir=str(tmp_path),
                               price_table={"fake-judge": {"prompt": 1.0, "completion": 2.0}})
    sim.compare(*sim.prepare(["The ferry sank.", "The ferry went down."]))
    s = sim.stats()
    assert s["cost_usd"] == pytest.approx(round((s["prompt_tokens"] * 1.0 + s["completion_tokens"] * 2.0) / 1e6, 6))


def test_per_token_embeddings_are_mean_pooled() -> None:
    from claims.extract.similarity.endpoint import pooled

    assert pooled([[1.0, 0.0], [0.0, 1.0]]).tolist() == [0.5, 0.5]  # llama-cpp-python, model without pooling
    assert pooled([0.25, 0.75]).tolist() == [0.25, 0.75]
    with pytest.raises(UserError, match="not a vector"):
        pooled([])
