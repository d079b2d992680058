"""The shared per-article pipeline with a scripted provider (a real Provider whose
answers are given in advance): re-asks, splits, what a provider that cannot re-ask or
split gets, failures collected per chunk, the article size limit."""

import asyncio
import json
from pathlib import Path

import pytest
import yaml

from claims.extract.backends.base import ExtractionError
from claims.extract.cache import CachedResponse
from claims.extract.chunking import Chunk
from claims.extract.pipeline import Pipeline, Request
from claims.extract.prompts import load_template
from claims.extract.structured import loop_unit
from claims.kernel.articles import Article
from claims.kernel.schema import Usage

ROOT = Path(__file__).resolve().parents[1]
TEXT = "The mayor said the bridge will reopen in May. Police denied any arrests. " * 3


def answer(quote: str) -> CachedResponse:
    claim = {"statement": quote, "quote": quote, "claimant_text": None, "claimant_name": None, "claimant_type": "author",
             "claimant_role": None, "cue": None, "attribution": "unattributed", "certainty": "asserted"}
    return CachedResponse(content=json.dumps({"claims": [claim]}), finish_reason="stop", completion_tokens=20)


class Scripted:
    """Answers requests from a list, in order; records what it was asked."""

    limit_hint = "this provider cannot do that; try something else to"

    def __init__(self, answers, *, can_reask=True, can_split=True):
        self.answers = list(answers)
        self.can_reask, self.can_split = can_reask, can_split
        self.requests: list[Request] = []
        self.accepted: list[CachedResponse] = []
        self.evicted: list[CachedResponse] = []

    async def complete(self, request: Request, usage: Usage) -> CachedResponse:
        self.requests.append(request)
        usage.requests += 1
        return self.answers.pop(0)

    def accept(self, answer: CachedResponse, grounded: tuple[str, str] | None = None) -> None:
        self.accepted.append(answer)

    def evict(self, answer: CachedResponse) -> bool:
        self.evicted.append(answer)
        return True


def pipeline(provider, **kw) -> Pipeline:
    opts = dict(chunk_chars=10_000, chunk_overlap=0, max_reasks=2, max_tokens=None)
    opts.update(kw)
    return Pipeline(load_template("claims-direct"), provider, **opts)


def run(p: Pipeline, article: Article, chunks=None):
    return asyncio.run(p.extract(article, chunks))[:2]  # claims, usage


ARTICLE = Article(id="a", text=TEXT)
BAD = CachedResponse(content="not json", finish_reason="stop")
CUT = CachedResponse(content='{"claims": [', finish_reason="length")


def test_an_invalid_answer_is_re_asked_with_the_error():
    prov = Scripted([BAD, answer("Police denied any arrests.")])
    p = pipeline(prov)
    claims, usage = run(p, ARTICLE)
    assert len(claims) == 1 and claims[0].grounded and usage.reasks == 1 and usage.requests == 2
    second = prov.requests[1].messages
    assert second[-2] == {"role": "assistant", "content": "not json"} and "not valid JSON" in second[-1]["content"]
    assert [a.content for a in prov.accepted] == [prov_answer.content for prov_answer in [answer("Police denied any arrests.")]]


def test_only_accepted_answers_are_kept_and_a_bad_cached_one_is_asked_afresh():
    from dataclasses import replace

    stale = replace(BAD, from_cache=True, key="k")
    prov = Scripted([stale, answer("Police denied any arrests.")])
    claims, usage = run(pipeline(prov), ARTICLE)
    assert prov.evicted == [stale] and usage.reasks == 0 and len(prov.requests) == 2 and len(prov.accepted) == 1
    prov = Scripted([CUT, answer("The mayor said the bridge will reopen in May."), answer("Police denied any arrests.")])
    run(pipeline(prov), ARTICLE)
    assert CUT not in prov.accepted and len(prov.accepted) == 2  # the truncated answer is never kept


def test_every_request_carries_a_completion_bound_from_its_chunk():
    prov = Scripted([CUT, answer("The mayor said the bridge will reopen in May."), answer("Police denied any arrests.")])
    run(pipeline(prov), ARTICLE)
    bounds = [r.max_tokens for r in prov.requests]
    assert all(b and b >= 512 for b in bounds) and bounds[0] >= bounds[1]
    prov = Scripted([answer("Police denied any arrests.")])
    run(pipeline(prov, max_tokens=77), ARTICLE)
    assert prov.requests[0].max_tokens == 77


def test_a_provider_that_cannot_re_ask_gets_a_failure_that_says_what_to_do():
    p = pipeline(Scripted([BAD], can_reask=False))
    with pytest.raises(ExtractionError) as e:
        run(p, ARTICLE)
    assert e.value.error == "ValidationError" and "try something else to re-ask" in str(e.value) and e.value.usage.requests == 1


def test_a_truncated_answer_splits_the_chunk_or_fails_when_the_provider_cannot_split():
    prov = Scripted([CUT, answer("The mayor said the bridge will reopen in May."), answer("Police denied any arrests.")])
    p = pipeline(prov)
    claims, usage = run(p, ARTICLE)
    assert p.counters.splits == 1 and len(prov.requests) == 3 and len(claims) == 2
    halves = [r.messages[-1]["content"] for r in prov.requests[1:]]
    assert all(len(h) < len(prov.requests[0].messages[-1]["content"]) for h in halves)
    with pytest.raises(ExtractionError) as e:
        run(pipeline(Scripted([CUT], can_split=False)), ARTICLE)
    assert e.value.error == "Truncated" and "try something else to split it" in str(e.value)


def test_keep_going_reports_every_chunk_and_stopping_early_asks_no_more():
    chunks = [Chunk(0, 73), Chunk(73, 146), Chunk(146, len(TEXT))]
    prov = Scripted([BAD, answer("Police denied any arrests."), BAD], can_reask=False)
    with pytest.raises(ExtractionError) as e:
        run(pipeline(prov, keep_going=True), ARTICLE, chunks)
    assert str(e.value).count("ValidationError") == 0 and "chunk 1/3" in str(e.value) and "chunk 3/3" in str(e.value)
    assert len(prov.requests) == 3
    prov = Scripted([BAD, BAD, BAD], can_reask=False)
    with pytest.raises(ExtractionError):
        run(pipeline(prov), ARTICLE, chunks)
    assert len(prov.requests) == 1  # live: the first failed chunk ends the article


def test_an_article_over_the_size_limit_sends_nothing():
    prov = Scripted([])
    with pytest.raises(ExtractionError) as e:
        run(pipeline(prov, max_article_chars=10), ARTICLE)
    assert e.value.error == "TooLong" and prov.requests == []


def looped(times: int) -> str:
    claim = {"statement": "The flight was downed by a missile", "quote": "CALIBURG NEWS", "claimant_name": "Masha", "cue": "said"}
    return '{"claims": [' + ", ".join(json.dumps(claim) for _ in range(times))[:-20]


def test_a_cut_answer_that_loops_fails_at_once_instead_of_splitting():
    """A small model at temperature 0 repeats one claim until max_tokens: each half of a
    split would loop again, so the chunk fails after one request, saying why."""
    prov = Scripted([CachedResponse(content=looped(8), finish_reason="tool_calls", completion_tokens=512)])
    with pytest.raises(ExtractionError) as e:
        run(pipeline(prov, max_tokens=512), ARTICLE)
    assert e.value.error == "Repetition" and "decoding loop" in str(e.value) and len(prov.requests) == 1
    # cut by length without a loop: still a split
    prov = Scripted([CachedResponse(content=looped(2), finish_reason="length"), answer("The mayor said the bridge will reopen in May."),
                     answer("Police denied any arrests.")])
    claims, _ = run(pipeline(prov), ARTICLE)
    assert len(prov.requests) == 3 and len(claims) == 2


COUNT = '{"claims": [{"quote": "' + ", ".join(f"{2000 + i}-{i}" for i in range(30, 150)) + ", 22"  # a count that never ends
GOLD_JSON = json.dumps({"claims": yaml.safe_load((ROOT / "gold" / "articles" / "003_6583a8e2e66f8a69.gold.yaml").read_text())["claims"]})


@pytest.mark.parametrize(("text", "looping"), [
    ("x" * 40 + "abcdefghijklmnopqrstuvwxyz0123456789-" * 10, True),  # cut anywhere in the unit
    (COUNT, True),
    ("ab" * 200, True),
    ("ab" * 100, False),  # under 300 characters: too little to tell
    ('{"claims": [{"statement": "No, no, no, no, no, no."}]}', False),
    (None, False),
])
def test_loop_unit(text, looping):
    assert (loop_unit(text) is not None) == looping


def test_no_cut_of_a_real_answer_reads_as_a_loop():
    """Every prefix of a dense gold article's claims as JSON: many claims, the same keys, no loop."""
    assert [cut for cut in range(300, len(GOLD_JSON), 37) if loop_unit(GOLD_JSON[:cut])] == []
