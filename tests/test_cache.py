"""The response cache: every key part changes the key; files hold answers, never secrets."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from claims.extract.backends import build_backend
from claims.extract.cache import CachedResponse, ResponseCache, cache_key, canonical_json, messages_json
from claims.extract.pipeline import Request
from claims.kernel.articles import Article
from claims.kernel.errors import UserError

MSGS = [{"role": "system", "content": "s"}, {"role": "user", "content": "<article>\nThe minister said so.\n</article>"}]


# Fake keys, built so that no committed line looks like a real credential.
FAKE_KEY = "sk-test-" + "SECRET-1234567890abcdef"
OTHER_FAKE_KEY = "sk-other-" + "key-000000000000"


def backend(tmp_path: Path, **kw):
    opts = dict(model="m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path, api_key=FAKE_KEY)
    opts.update(kw)
    return build_backend(backend="openai", **opts)


def key(b, mode: str = "json_schema", stage: str = "claims", output: str = "claims", messages=MSGS, max_tokens=None) -> str:
    st = SimpleNamespace(name=stage, output=output)
    return b.provider._key(mode, Request(Article(id="a", text="x"), 0, st, messages, max_tokens), messages_json(messages))


def test_each_key_part_changes_the_key(tmp_path):
    base = backend(tmp_path)
    k = key(base)
    assert key(backend(tmp_path)) == k  # deterministic
    variants = {
        "host": key(backend(tmp_path, base_url="http://10.0.0.2:9/v1")),
        "model": key(backend(tmp_path, model="m2")),
        "template": key(backend(tmp_path, prompt="claims-staged")),
        "schema": key(base, output="selection"),
        "mode": key(base, mode="json_object"),
        "temperature": key(backend(tmp_path, temperature=0.7)),
        "max_tokens": key(base, max_tokens=512),
        "seed": key(backend(tmp_path, seed=7)),
        "stage": key(base, stage="select"),
        "article text": key(base, messages=[MSGS[0], {"role": "user", "content": "<article>\nThe minister said no.\n</article>"}]),
    }
    for part, v in variants.items():
        assert v != k, f"changing the {part} must miss"
    assert len(set(variants.values())) == len(variants)
    # the key is not the API key's business: another key, same cache entry
    assert key(backend(tmp_path, api_key=OTHER_FAKE_KEY)) == k


def test_cache_key_is_order_independent_for_dicts():
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})


@pytest.mark.parametrize("messages", [
    [{"role": "system", "content": "Réponds en JSON. «Zitat» ✓"}, {"role": "user", "content": "a\nb \"q\" \u2028 😀"}],
    [],
    [{"content": None, "role": "user", "name": "x"}],
])
def test_a_key_over_pre_encoded_messages_is_the_same_key(messages):
    """Recorded caches (the shipped suite recording) stay valid: encoding the messages once
    and splicing them in hashes the very same bytes."""
    parts = {"host": "127.0.0.1:8000", "model": "m", "template": "t" * 64, "schema": "s", "mode": "tools",
             "parameters": {"temperature": 0.0, "max_tokens": 900, "seed": None}, "stage": "claims"}
    assert cache_key(parts, {"messages": canonical_json(messages).encode()}) == cache_key({**parts, "messages": messages})
    # and so is the encoding that keeps a template's fixed turns encoded (asked twice: the second reads them back)
    assert messages_json(messages) == messages_json([dict(m) for m in messages]) == canonical_json(messages).encode()


def test_a_turn_is_encoded_as_canonical_json_encodes_it():
    """The turns are escaped by pydantic-core, the key's JSON by ``json.dumps``: over random
    text with every control character, quotes, backslashes, separators and characters
    beyond the BMP they must give the same bytes, or every recorded cache would miss."""
    rng = random.Random(20)
    alphabet = [chr(i) for i in range(0x20)] + list('"\\/ aZ\x7f\x80\xa0é«»“”—…\u2028\u2029\ufeff') + ["😀", "\U0001f3fb", "\u200d"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        turns = [{"role": "user", "content": text}, {"role": rng.choice(["system", "assistant", "ü"]), "content": text[::-1]}]
        assert messages_json(turns) == canonical_json(turns).encode(), text


def test_cache_entries_are_compact_single_lines(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, CachedResponse(content='{"claims": []}', finish_reason="stop"))
    assert len(cache.path("ab" * 32).read_text(encoding="utf-8").splitlines()) == 1


def test_put_get_and_modes(tmp_path):
    resp = CachedResponse(content='{"claims": []}', finish_reason="stop", prompt_tokens=10, completion_tokens=3)
    on = ResponseCache(tmp_path, "on")
    k = cache_key({"x": 1})
    assert on.get(k) is None
    on.put(k, resp, meta={"model": "m"})
    path = on.path(k)
    assert path.parent.name == k[:2] and path.exists()  # sharded
    hit = on.get(k)
    assert replace(hit, key=None, mode=None, from_cache=False) == resp and hit.from_cache and hit.key == k and on.hits == 1
    rec = json.loads(path.read_text())
    assert set(rec) == {"format", "key", "meta", "response"} and "headers" not in json.dumps(rec)
    assert ResponseCache(tmp_path, "refresh").get(k) is None  # refresh never reads...
    assert ResponseCache(tmp_path, "replay").get(k).content == resp.content  # ...replay only reads
    off = ResponseCache(tmp_path / "off", "off")
    off.put(k, resp)
    assert not (tmp_path / "off").exists()
    replay = ResponseCache(tmp_path / "r", "replay")
    replay.put(k, resp)
    assert not (tmp_path / "r").exists()


def test_a_cache_that_cannot_write_warns_and_goes_on(tmp_path, caplog):
    resp = CachedResponse(content='{"claims": []}', finish_reason="stop")
    (tmp_path / "file").write_text("not a folder")
    for packed in (True, False):
        blocked = ResponseCache(tmp_path / "file" / "cache", "on", packed=packed)
        blocked.put(cache_key({"x": 1}), resp)  # raises nothing: the answer is in the run; only a re-run misses it
        blocked.put(cache_key({"x": 2}), resp)
        assert blocked.writes == 0 and blocked.failed_writes == 2
    assert caplog.text.count("cannot write") == 2  # once per cache


def test_torn_entry_is_a_miss(tmp_path):
    c = ResponseCache(tmp_path, "on")
    k = cache_key({"x": 2})
    c.path(k).parent.mkdir(parents=True)
    c.path(k).write_text("{not json")
    assert c.get(k) is None


def test_grounded_claims_are_kept_as_json_and_read_back_as_written(tmp_path):
    """The claims are stored as JSON, not as a string to escape, and come back as the
    exact text stored; an entry an older version wrote (the claims as a string) still
    reads; a line cut inside the claims is a miss, whatever the answer's text holds."""
    content = 'she said ,"grounded":{"key": "x"} and \\",\u2028 \u00e9'  # the marker's text inside the answer
    resp = CachedResponse(content=content, finish_reason="stop", prompt_tokens=4, completion_tokens=2)
    claims = '[{"statement":"Caf\u00e9 \\"x\\" open.","grounded":false}]'
    c = ResponseCache(tmp_path, "on")
    k = cache_key({"x": 3})
    c.put(k, resp, meta={"model": "m"}, grounded=("g" * 64, claims))
    line = c.path(k).read_bytes()
    assert json.loads(line)["grounded"] == {"key": "g" * 64, "claims": json.loads(claims)}
    hit = c.get(k)
    assert hit.grounded == ("g" * 64, claims) and hit.content == content and hit.prompt_tokens == 4
    assert ResponseCache(tmp_path, "replay").get(k).grounded is None  # replay grounds afresh
    older = {"format": 1, "key": k, "meta": {}, "response": {"content": content, "finish_reason": "stop"},
             "grounded": {"key": "g" * 64, "claims": claims}}
    c.path(k).write_text(json.dumps(older, ensure_ascii=False) + "\n", encoding="utf-8")
    assert c.get(k).grounded == ("g" * 64, claims)
    c.path(k).write_bytes(line[: line.index(b'"statement"') + 5])
    assert c.get(k) is None


def test_unknown_mode_is_a_user_error(tmp_path):
    with pytest.raises(UserError):
        ResponseCache(tmp_path, "sometimes")
