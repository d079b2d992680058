"""A job's cache entries in pack files: appended, read back by a later cache, a torn
last line read as a miss, a newer entry winning, an evicted one gone for later readers."""

from __future__ import annotations

from dataclasses import replace

from claims.extract.cache import CachedResponse, ResponseCache, cache_key


def test_a_jobs_cache_appends_to_packs_that_a_later_cache_reads(tmp_path):
    resp = CachedResponse(content='{"claims": []}', finish_reason="stop")
    keys = [cache_key({"x": i}) for i in range(300)]
    job = ResponseCache(tmp_path, "on", packed=True)
    for k in keys:
        job.put(k, resp)
    job.close()
    assert not list(tmp_path.glob("??")) and len(list((tmp_path / "packs").glob("*.jsonl"))) == 1  # no file per entry
    later = ResponseCache(tmp_path, "replay")
    assert all(later.get(k).content == resp.content for k in keys) and later.has_entries()
    assert later.size()[0] == 300
    # a killed writer leaves a torn last line: that entry is a miss, the others read
    torn = ResponseCache(tmp_path, "on", packed=True)
    torn.put(keys[0], replace(resp, content='{"claims": [1]}'))  # a newer entry for a key wins
    torn.close()
    pack = max((tmp_path / "packs").glob("*.jsonl"))
    pack.write_bytes(pack.read_bytes()[:-5])
    fresh = ResponseCache(tmp_path, "on", packed=True)
    assert fresh.get(keys[0]) is None and fresh.get(keys[1]).content == resp.content
    fresh.evict(keys[1])  # found unusable: gone for later readers too
    assert ResponseCache(tmp_path, "on").get(keys[1]) is None and ResponseCache(tmp_path, "on").get(keys[2]) is not None
    fresh.clear()
    assert not fresh.has_entries() and ResponseCache(tmp_path, "on").get(keys[2]) is None


def test_writes_after_close_go_to_a_new_pack_that_reads_back(tmp_path):
    """A provider closes its cache at the end of each run of the event loop and may write again."""
    resp = CachedResponse(content='{"claims": []}', finish_reason="stop")
    first, second = cache_key({"x": 1}), cache_key({"x": 2})
    cache = ResponseCache(tmp_path, "on", packed=True)
    cache.put(first, resp)
    cache.close()
    cache.put(second, replace(resp, content='{"claims": [2]}'))
    assert cache.get(second).content == '{"claims": [2]}'
    cache.close()
    later = ResponseCache(tmp_path, "on", packed=True)
    assert later.get(first).content == resp.content and later.get(second).content == '{"claims": [2]}'
    assert len(list((tmp_path / "packs").glob("*.jsonl"))) == 2
