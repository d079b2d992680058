"""The OpenAI backend end to end against a real local HTTP server (tests/fake_server.py).

Nothing in the openai client is mocked: requests go over sockets, so the counts the
server records are the requests the client really sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from claims.extract.backends import build_backend
from claims.extract.backends.base import BudgetExhausted, ExtractionError
from claims.extract.providers.chat import build_request_body
from claims.extract.transport import EndpointUnavailable
from claims.kernel.articles import Article, load_articles
from claims.kernel.errors import UserError
from claims.kernel.schema import ArticleClaims, ModelOutput

SECRET = "sk-test-SECRET-1234567890abcdef"
GOLD = Path(__file__).resolve().parents[1] / "gold" / "articles"


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles([GOLD])


def make(server: Any, tmp_path: Path, **kw: Any) -> Any:
    opts: dict[str, Any] = dict(
        model="fake-model", base_url=server.base_url, api_key=SECRET, cache="off", cache_dir=tmp_path / "cache",
        backoff_base=0.01, backoff_max=0.05, timeout=5.0,
    )
    opts.update(kw)
    return build_backend(backend="openai", **opts)


def run(backend: Any, *arts: Article) -> list[ArticleClaims]:
    async def go() -> list[ArticleClaims]:
        try:
            return [await backend.aextract(a) for a in arts]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def run_at_once(backend: Any, articles: list[Article], n: int) -> list[ArticleClaims]:
    """n articles in flight together, as a job's workers put them, so that state shared
    across requests (mode fallback, retries, counters) is tested under concurrency."""

    async def go() -> list[ArticleClaims]:
        try:
            arts = [Article(id=f"a{i}", text=articles[i % len(articles)].text) for i in range(n)]
            return await asyncio.gather(*(backend.aextract(a) for a in arts))
        finally:
            await backend.aclose()

    return asyncio.run(go())


def fail(backend: Any, art: Article) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        run(backend, art)
    return info.value


def sent_modes(server: Any) -> list[str]:
    from fake_server import requested_mode

    return [requested_mode(r.body) for r in server.chat_requests]


# ----------------------------------------------------------------------------- modes


@pytest.mark.parametrize("mode", ["json_schema", "json_object_schema", "tools", "json_object", "text"])
def test_each_mode_extracts_grounded_claims(fake_server, tmp_path, articles, mode):
    b = make(fake_server, tmp_path, mode=mode)
    [res] = run(b, articles[0])
    assert res.claims and res.span_problems(articles[0].text) == []
    assert sent_modes(fake_server) == [mode]
    body = fake_server.chat_requests[0].body
    # the bytes sent (messages encoded once, spliced in) are the body build_request_body makes
    made = build_request_body(model="fake-model", messages=body["messages"], mode=mode, output_model=ModelOutput,
                              temperature=0.0, max_tokens=body["max_tokens"], seed=None)
    # key order included: a grammar-constrained server writes the schema's properties in the order sent
    assert json.dumps(body) == json.dumps(made)
    assert articles[0].text in body["messages"][-1]["content"]
    if mode == "json_schema":
        assert body["response_format"]["json_schema"]["strict"] is True
    if mode == "tools":
        assert body["tool_choice"]["function"]["name"] == "ModelOutput"
    if mode == "json_object_schema":
        assert body["response_format"]["type"] == "json_object" and body["response_format"]["schema"]["properties"]["claims"]
    assert res.usage.requests == 1 and res.usage.prompt_tokens > 0 and res.usage.completion_tokens > 0
    assert res.provenance.backend == "openai" and res.provenance.parameters["mode"] == mode


def test_staged_prompt_runs_selection_then_claims(fake_server, tmp_path, articles):
    b = make(fake_server, tmp_path, mode="json_schema", prompt="claims-staged")
    [res] = run(b, articles[2])
    names = [r.body["response_format"]["json_schema"]["name"] for r in fake_server.chat_requests]
    assert names == ["ModelSelection", "ModelOutput"]
    # the claims stage shows the model the selected sentences from stage one
    assert "<selected_sentences>" in fake_server.chat_requests[1].body["messages"][-1]["content"]
    assert res.claims and res.usage.requests == 2


def test_refused_json_schema_falls_back_to_a_forced_tool_call_for_the_rest_of_the_run(fake_server, tmp_path, articles):
    fake_server.refuse_modes = {"json_schema"}
    b = make(fake_server, tmp_path, mode="auto")
    res = run(b, articles[0], articles[1])
    assert all(r.claims for r in res)
    assert sent_modes(fake_server) == ["json_schema", "tools", "tools"]
    stats = b.run_stats()
    assert stats["effective_mode"] == "tools"
    assert [(f["from"], f["to"]) for f in stats["mode_fallbacks"]] == [("json_schema", "tools")]
    assert b.provenance().parameters["mode"] == "auto"  # provenance stays stable for resume


def test_llama_cpp_style_500_refusal_falls_back_without_retries(fake_server, tmp_path, articles):
    """llama-cpp-python refuses json_schema with a 500 validation error: a refusal, not a fault."""
    fake_server.refuse_modes, fake_server.refuse_style = {"json_schema"}, "llama-cpp-python"
    b = make(fake_server, tmp_path, mode="auto")
    [res] = run(b, articles[0])
    assert res.claims and res.usage.retries == 0
    assert sent_modes(fake_server) == ["json_schema", "tools"]
    err = fail(make(fake_server, tmp_path, mode="json_schema", cache="off"), articles[1])
    assert err.usage.requests == 1  # a fixed refused mode fails at once instead of retrying a 500


def test_answer_cut_at_max_tokens_without_finish_reason_length_is_split(fake_server, tmp_path, articles):
    """llama-cpp-python says finish_reason 'tool_calls' for a tool call cut at max_tokens."""
    fake_server.add_faults("cut_quietly")
    b = make(fake_server, tmp_path, mode="tools", max_tokens=4000)
    [res] = run(b, articles[0])
    assert res.usage.reasks == 0 and res.usage.requests == 3  # the cut answer, then one request per half
    assert res.claims and b.run_stats()["splits"] == 1


def test_fallback_walks_down_constrained_modes_first(fake_server, tmp_path, articles):
    fake_server.refuse_modes = {"json_schema", "tools", "json_object_schema"}
    b = make(fake_server, tmp_path, mode="auto")
    [res] = run(b, articles[0])
    assert res.claims and sent_modes(fake_server) == ["json_schema", "tools", "json_object_schema", "json_object"]


def test_fixed_mode_refused_is_a_recorded_failure_not_a_fallback(fake_server, tmp_path, articles):
    fake_server.refuse_modes = {"json_schema"}
    err = fail(make(fake_server, tmp_path, mode="json_schema"), articles[0])
    assert err.error == "BadRequestError" and err.usage.requests == 1


def test_concurrent_fallback_is_recorded_once(fake_server, tmp_path, articles):
    fake_server.refuse_modes = {"json_schema"}
    fake_server.set_latency(0.05)
    b = make(fake_server, tmp_path, mode="auto")
    res = run_at_once(b, articles, 12)
    assert len(res) == 12 and all(r.claims for r in res)
    assert len(b.run_stats()["mode_fallbacks"]) == 1
    modes = sent_modes(fake_server)
    # no probe to wait behind: the first wave goes out in json_schema, is refused, and every
    # article is answered in the next mode; none is sent in the refused mode twice (a
    # request built before the switch may reach the server after a re-sent one: its
    # connection was still opening)
    refused = modes.count("json_schema")
    assert modes[0] == "json_schema" and 1 <= refused <= 12 and modes.count("tools") == 12 and len(modes) == refused + 12


def test_a_later_run_answers_from_answers_cached_in_the_mode_an_earlier_run_fell_back_to(fake_server, tmp_path, articles):
    """Auto mode looks up the later modes' keys only when the cache held entries before the
    run (a fresh cache is written in the run's own mode): then it adopts the cached mode."""
    fake_server.refuse_modes = {"json_schema"}
    first = make(fake_server, tmp_path, mode="auto", cache="on")
    assert not first.provider._earlier_entries
    run(first, articles[0])
    sent = len(fake_server.chat_requests)
    second = make(fake_server, tmp_path, mode="auto", cache="on")
    assert second.provider._earlier_entries
    [res] = run(second, articles[0])
    assert len(fake_server.chat_requests) == sent and res.usage.cache_hits >= 1  # nothing asked again
    assert second.run_stats()["effective_mode"] == "tools"


def test_prose_with_fenced_json_is_parsed_without_a_reask(fake_server, tmp_path, articles):
    fake_server.add_faults("prose")
    [res] = run(make(fake_server, tmp_path, mode="json_object"), articles[0])
    assert res.claims and res.usage.reasks == 0 and res.usage.requests == 1


# ----------------------------------------------------------------------------- re-ask


def test_malformed_answer_is_reasked_with_the_error(fake_server, tmp_path, articles):
    fake_server.add_faults("malformed")
    [res] = run(make(fake_server, tmp_path, mode="json_object"), articles[0])
    assert res.claims and res.usage.reasks == 1 and res.usage.requests == 2
    first, second = (r.body["messages"] for r in fake_server.chat_requests)
    assert second[: len(first)] == first  # the original prompt, unchanged
    assert second[-2]["role"] == "assistant" and "oops" in second[-2]["content"]
    assert second[-1]["role"] == "user" and "not valid JSON" in second[-1]["content"]


def test_schema_violation_reask_shows_the_field(fake_server, tmp_path, articles):
    fake_server.add_faults("invalid")
    [res] = run(make(fake_server, tmp_path, mode="json_schema"), articles[0])
    assert res.usage.reasks == 1
    assert "claims.0.statement" in fake_server.chat_requests[1].body["messages"][-1]["content"]


def test_reask_exhaustion_records_failure_with_tokens(fake_server, tmp_path, articles):
    fake_server.add_faults("invalid", "malformed", "invalid")
    err = fail(make(fake_server, tmp_path, mode="json_object", max_reasks=2), articles[0])
    assert err.error == "ValidationError"
    assert err.usage.requests == 3 and err.usage.reasks == 2
    assert err.usage.prompt_tokens > 0 and err.usage.completion_tokens > 0
    assert len(fake_server.chat_requests) == 3


# ----------------------------------------------------------------------------- transport faults


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "504", "reset"])
def test_transport_fault_is_retried_with_the_identical_request(fake_server, tmp_path, articles, fault):
    fake_server.add_faults(fault, fault)
    [res] = run(make(fake_server, tmp_path, mode="json_schema"), articles[0])
    assert res.claims
    reqs = fake_server.chat_requests
    assert len(reqs) == 3 == res.usage.requests  # one server request per attempt: no SDK retries
    assert res.usage.retries == 2
    assert reqs[0].body == reqs[1].body == reqs[2].body


def test_timeout_is_retried(fake_server, tmp_path, articles):
    fake_server.add_faults({"kind": "hang", "seconds": 5})
    [res] = run(make(fake_server, tmp_path, mode="json_schema", timeout=0.5), articles[0])
    assert res.claims and res.usage.requests == 2 and res.usage.retries == 1


@pytest.mark.parametrize("header,wait", [({"retry_after": 1}, 1.0), ({"retry_after_ms": 300}, 0.3)])
def test_retry_after_is_honoured(fake_server, tmp_path, articles, header, wait):
    fake_server.add_faults({"kind": "429", **header})
    run(make(fake_server, tmp_path, mode="json_schema"), articles[0])
    first, second = fake_server.chat_requests
    assert second.time - first.time >= wait


def test_retry_attempts_are_capped(fake_server, tmp_path, articles):
    fake_server.add_faults(*["503"] * 10)
    err = fail(make(fake_server, tmp_path, mode="json_schema", max_attempts=3), articles[0])
    assert err.error == "InternalServerError"
    assert err.usage.requests == 3 and err.usage.retries == 2 and len(fake_server.chat_requests) == 3


def test_retry_after_beyond_the_time_budget_gives_up_at_once(fake_server, tmp_path, articles):
    fake_server.add_faults({"kind": "429", "retry_after": 30})
    err = fail(make(fake_server, tmp_path, mode="json_schema", max_retry_seconds=2), articles[0])
    assert err.error == "RateLimitError" and len(fake_server.chat_requests) == 1


def test_a_refused_key_stops_the_job_at_once(fake_server, tmp_path, articles):
    fake_server.add_faults("auth")
    with pytest.raises(EndpointUnavailable) as e:
        run(make(fake_server, tmp_path, mode="json_schema"), articles[0])
    assert "HTTP 401" in str(e.value) and fake_server.base_url in str(e.value) and e.value.exit_code == 2
    assert len(fake_server.chat_requests) == 1


# ----------------------------------------------------------------------------- truncation and chunks


def test_truncated_answer_splits_the_chunk_in_two(fake_server, tmp_path, articles):
    fake_server.add_faults("truncated")
    art = articles[0]
    b = make(fake_server, tmp_path, mode="json_schema")
    [res] = run(b, art)
    reqs = fake_server.chat_requests
    assert len(reqs) == 3 and res.usage.requests == 3 and b.run_stats()["splits"] == 1
    from fake_server import article_of

    halves = [article_of(r.body) for r in reqs[1:]]
    assert art.text.strip().startswith(halves[0][:50]) and len(halves[0]) < len(art.text) / 1.3
    assert halves[1] in art.text and art.text.index(halves[1]) > art.text.index(halves[0])
    assert res.claims and res.span_problems(art.text) == []


def test_unsplittable_truncation_is_a_failure_not_silence(fake_server, tmp_path):
    fake_server.fault_probs = {"truncated": 1.0}
    art = Article(id="short", text="The minister said the bridge would reopen in May.")
    err = fail(make(fake_server, tmp_path, mode="json_schema"), art)
    assert err.error == "Truncated" and err.usage.requests == 1


def test_context_overflow_splits_like_truncation(fake_server, tmp_path, articles):
    fake_server.add_faults("context")
    [res] = run(make(fake_server, tmp_path, mode="json_schema"), articles[1])
    assert len(fake_server.chat_requests) == 3 and res.claims


def test_long_article_is_chunked_grounded_on_the_full_text_and_deduped(fake_server, tmp_path, articles):
    text = "\n\n".join(a.text for a in articles)
    art = Article(id="long", text=text, title="long")
    [res] = run(make(fake_server, tmp_path, mode="json_schema", chunk_chars=3000, chunk_overlap=600), art)
    n = len(fake_server.chat_requests)
    assert n >= len(text) // 3000
    assert res.span_problems(text) == []
    spans = [(c.quote_span, c.statement) for c in res.claims if c.grounded]
    assert len(spans) == len(set(spans))  # overlap duplicates removed
    assert max(c.quote_span.start for c in res.claims if c.grounded) > len(text) - len(articles[-1].text)
    # each claim of the last article lies at its offset in the long text
    last = articles[-1].text
    tail = [c for c in res.claims if c.grounded and c.quote_span.start >= len(text) - len(last)]
    assert tail and all(c.quote in last for c in tail)


# ----------------------------------------------------------------------------- cache


def test_cache_hit_costs_no_request(fake_server, tmp_path, articles):
    [first] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    [second] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    assert len(fake_server.chat_requests) == 1
    assert second.usage.cache_hits == 1 and second.usage.requests == 0
    assert [c.model_dump() for c in first.claims] == [c.model_dump() for c in second.claims]


def test_a_cached_answer_brings_its_grounded_claims_back_without_grounding_again(fake_server, tmp_path, articles, monkeypatch):
    from claims.extract.grounding import Grounder

    [first] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    [(key, rec)] = entries(tmp_path / "cache")  # one entry an article: the answer and its grounded claims
    assert rec["grounded"]["claims"] == [c.model_dump(mode="json") for c in first.claims]  # raw JSON, not a string
    monkeypatch.setattr(Grounder, "ground", lambda *a, **k: pytest.fail("grounded again"))
    [second] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    assert second.claims == first.claims and second.usage.cache_hits == 1 and len(fake_server.chat_requests) == 1
    # both records carry the claims' JSON (made for the cache, read from it) and write the same line they would dump
    for rec in (first, second):
        assert "__claims_json__" in rec.__dict__ and rec.to_json() == rec.model_dump_json()


def entries(cache: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every entry of a job's cache, as (key, record), read from its pack files."""
    return [(rec["key"], rec) for pack in sorted((cache / "packs").glob("*.jsonl")) for rec in map(json.loads, pack.read_text().splitlines())]


def rewrite(cache: Path, key: str, rec: dict[str, Any], *, grounded: tuple[str, str]) -> None:
    """A newer entry for the key (it wins over the older one), with other grounded claims."""
    from claims.extract.cache import CachedResponse, ResponseCache

    r = rec["response"]
    c = ResponseCache(cache, "on", packed=True)
    c.put(key, CachedResponse(content=r["content"], finish_reason=r["finish_reason"], prompt_tokens=r["usage"]["prompt_tokens"],
                              completion_tokens=r["usage"]["completion_tokens"]), rec["meta"], grounded=grounded)
    c.close()


def test_grounded_claims_are_reused_only_for_the_same_article_and_grounding(fake_server, tmp_path, articles):
    """The same chunk inside another article is grounded against that article; stored
    claims an older version wrote, or a replay, ground the answer afresh."""
    [first] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    [(k, rec)] = entries(tmp_path / "cache")
    key = rec["grounded"]["key"]
    rewrite(tmp_path / "cache", k, rec, grounded=(key, '[{"statement": 1}]'))  # not claims any more
    [again] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    assert again.claims == first.claims and len(fake_server.chat_requests) == 1
    rewrite(tmp_path / "cache", k, rec, grounded=("0" * 64, "[]"))  # grounded for another article or other settings
    [other] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    [replayed] = run(make(fake_server, tmp_path, cache="replay", mode="json_schema"), articles[0])
    assert other.claims == replayed.claims == first.claims and len(fake_server.chat_requests) == 1
    assert key != "0" * 64


def test_cache_refresh_and_off_always_ask(fake_server, tmp_path, articles):
    run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    run(make(fake_server, tmp_path, cache="refresh", mode="json_schema"), articles[0])
    run(make(fake_server, tmp_path, cache="off", mode="json_schema"), articles[0])
    assert len(fake_server.chat_requests) == 3


def test_cache_model_change_misses(fake_server, tmp_path, articles):
    run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    run(make(fake_server, tmp_path, cache="on", mode="json_schema", model="other-model"), articles[0])
    assert len(fake_server.chat_requests) == 2


def test_replay_answers_with_no_server(fake_server, tmp_path, articles):
    url = fake_server.base_url
    [rec] = run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[0])
    fake_server.stop()
    b = build_backend(backend="openai", model="fake-model", base_url=url, cache="replay", cache_dir=tmp_path / "cache", mode="json_schema")
    [rep] = run(b, articles[0])
    assert rep.claims == rec.claims and rep.usage.requests == 0
    err = fail(b, articles[1])
    assert err.error == "CacheMiss" and "not in the recording" in str(err)


def test_replay_after_a_fallback_run_uses_the_recorded_mode(fake_server, tmp_path, articles):
    fake_server.refuse_modes = {"json_schema"}
    run(make(fake_server, tmp_path, cache="on", mode="auto"), articles[0])
    n = len(fake_server.chat_requests)
    [rep] = run(make(fake_server, tmp_path, cache="replay", mode="auto"), articles[0])
    assert rep.claims and len(fake_server.chat_requests) == n


# ----------------------------------------------------------------------------- budget, keys, options


def test_request_budget_stops_the_job_cleanly(fake_server, tmp_path, articles):
    b = make(fake_server, tmp_path, mode="json_schema", max_requests=1)

    async def go() -> None:
        try:
            await b.aextract(articles[0])
            with pytest.raises(BudgetExhausted):
                await b.aextract(articles[1])
        finally:
            await b.aclose()

    asyncio.run(go())
    assert len(fake_server.chat_requests) == 1 and b.run_stats()["budget"]["exhausted"]


def test_token_budget(fake_server, tmp_path, articles):
    b = make(fake_server, tmp_path, mode="json_schema", max_tokens_total=10)
    with pytest.raises(BudgetExhausted):
        run(b, articles[0], articles[1])
    assert len(fake_server.chat_requests) == 1


def test_api_key_never_written_or_logged(fake_server, tmp_path, articles, caplog):
    caplog.set_level(logging.DEBUG)
    fake_server.add_faults({"kind": "429", "retry_after": 0}, "malformed")
    b = make(fake_server, tmp_path, cache="on", mode="auto", price_table={"fake-model": {"prompt": 1, "completion": 2}})
    run(b, articles[0])
    fake_server.add_faults("auth")
    with pytest.raises(EndpointUnavailable) as e:
        run(make(fake_server, tmp_path, cache="on", mode="json_schema"), articles[1])
    err = e.value
    out = tmp_path / "out.json"
    out.write_text(json.dumps({"stats": b.run_stats(), "prov": b.provenance().model_dump(mode="json"), "err": str(err), "repr": repr(b)}))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 2  # the report and the accepted answer (the malformed one is not cached)
    for p in files:
        assert SECRET not in p.read_text(encoding="utf-8", errors="replace"), p
    assert SECRET not in caplog.text and SECRET not in str(err)
    assert all(r.headers.get("authorization") == "<present>" for r in fake_server.chat_requests)
    assert b.run_stats()["cost_usd"] > 0


def test_missing_key_for_a_remote_server_is_a_user_error(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError, match="OPENAI_API_KEY is not set"):
        build_backend(backend="openai", model="m", base_url="https://api.example.com/v1", cache_dir=tmp_path)
    build_backend(backend="openai", model="m", base_url="http://localhost:8000/v1", cache_dir=tmp_path)  # local: no key needed


def test_template_examples_overlapping_gold_are_refused(tmp_path):
    from claims.extract.prompts import load_template

    example = load_template("claims-direct").stages[0].examples[0].input
    with pytest.raises(UserError, match="overlap gold"):
        build_backend(backend="openai", model="m", base_url="http://127.0.0.1:1/v1", gold_texts={"leak": example}, cache_dir=tmp_path)
    build_backend(backend="openai", model="m", base_url="http://127.0.0.1:1/v1", gold_texts={"leak": example}, allow_gold_overlap=True, cache_dir=tmp_path)


def test_bad_options_are_user_errors(tmp_path):
    for kw in ({"mode": "xml"}, {"cache": "sometimes"}, {"max_attempts": 0}):
        with pytest.raises(UserError):
            build_backend(backend="openai", model="m", base_url="http://127.0.0.1:1/v1", cache_dir=tmp_path, **kw)


def test_half_the_requests_rate_limited_every_article_still_done_and_counted(fake_server, tmp_path, articles):
    fake_server.fault_probs = {"429": 0.5}
    b = make(fake_server, tmp_path, mode="json_schema", max_attempts=20, jobs=8)
    res = run_at_once(b, articles, 30)
    assert len(res) == 30 and all(r.claims for r in res)
    seen = len(fake_server.chat_requests)
    assert sum(r.usage.requests for r in res) == seen == b.run_stats()["requests"]
    assert sum(r.usage.retries for r in res) == seen - 30 > 0


def test_fake_server_lists_models_and_records_requests(fake_server):
    import openai

    client = openai.OpenAI(base_url=fake_server.base_url, api_key=SECRET, max_retries=0)
    assert [m.id for m in client.models.list()] == ["fake-model"]
    [req] = fake_server.requests
    assert req.method == "GET" and req.path == "/v1/models" and req.headers["authorization"] == "<present>"
    client.close()
