"""The batch provider: answers each chunk's request from the results file(s) of a
batch (OpenAI output and error files, or `vllm run-batch` output) instead of a server.
A batch answer is fixed: it cannot be re-asked or split (``can_reask``/``can_split``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claims.extract.batch.ids import BatchError, encode_custom_id
from claims.extract.cache import CachedResponse
from claims.extract.pipeline import ChunkFailed, Request
from claims.extract.structured import read_completion
from claims.kernel.schema import Usage

RERUN_HINT = "a batch answer cannot be re-asked or split; re-run this article live (claims extract --backend openai) to"


def _error_text(err: Any, body: Any) -> str:
    for v in (err, body.get("error") if isinstance(body, dict) else None, body):
        if not v:
            continue
        if isinstance(v, dict):
            inner = v.get("error") if isinstance(v.get("error"), dict) else v
            msg = inner.get("message") or json.dumps(inner, ensure_ascii=False)
            code = inner.get("code") or inner.get("type")
            return f"{code}: {msg}" if code else str(msg)
        return str(v)
    return "no response"


def _is_success(rec: dict[str, Any]) -> bool:
    resp = rec.get("response")
    if rec.get("error") or not isinstance(resp, dict):
        return False
    return _status_ok(resp.get("status_code")) and isinstance(resp.get("body"), dict)


def _status_ok(code: Any) -> bool:
    """A missing status code counts as success (some producers leave it out when the body is there)."""
    if code is None:
        return True
    try:
        return 200 <= int(code) < 300
    except (TypeError, ValueError):
        return False


class ResultIndex:
    """custom_id -> where its line is, over one or more results files.

    One pass reads every line once to learn its custom_id; the answers stay on disk and
    are read back per article, so a results file of any size costs only the index.
    Duplicate custom_ids (an output file merged twice, a retried batch): a successful
    line wins over a failed one, else the later line.
    """

    def __init__(self, paths: list[Path]):
        self.paths = [Path(p) for p in paths]
        self.where: dict[str, tuple[int, int]] = {}
        self.lines = self.invalid = self.duplicates = 0
        self._ok: set[str] = set()
        self._fhs: list[Any] = []
        for n, p in enumerate(self.paths):
            try:
                fh = p.open("rb")
            except OSError as e:
                raise BatchError(f"{p}: cannot read results: {e.strerror}") from None
            self._fhs.append(fh)
            offset = 0
            for raw in fh:
                pos, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                self.lines += 1
                try:
                    rec = json.loads(raw)
                    cid = rec["custom_id"]
                    assert isinstance(cid, str) and ("response" in rec or "error" in rec)
                except (ValueError, KeyError, TypeError, AssertionError):
                    self.invalid += 1
                    continue
                ok = _is_success(rec)
                if cid in self.where:
                    self.duplicates += 1
                    if cid in self._ok and not ok:
                        continue
                self.where[cid] = (n, pos)
                if ok:
                    self._ok.add(cid)
                else:
                    self._ok.discard(cid)
        if self.lines == 0:
            raise BatchError(f"{', '.join(map(str, self.paths))}: no result lines")
        if self.invalid == self.lines:
            raise BatchError(
                f"{', '.join(map(str, self.paths))}: no line is a batch result (JSON with custom_id and response or error); "
                "is this the request file? Pass the file `claims batch collect` or `vllm run-batch -o` wrote"
            )

    def get(self, custom_id: str) -> dict[str, Any] | None:
        loc = self.where.get(custom_id)
        if loc is None:
            return None
        fh = self._fhs[loc[0]]
        fh.seek(loc[1])
        return json.loads(fh.readline())

    def close(self) -> None:
        for fh in self._fhs:
            fh.close()


def read_result(rec: dict[str, Any]) -> CachedResponse:
    """One result line's answer, or ChunkFailed with the reason.

    Lenient about the two producers: OpenAI puts failed requests in an error file
    (``response.status_code`` >= 400 or ``error`` set); vLLM writes ``error`` (a string or
    an error object) with a ``response`` that has no body.
    """
    resp = rec.get("response")
    err = rec.get("error")
    code = resp.get("status_code") if isinstance(resp, dict) else None
    body = resp.get("body") if isinstance(resp, dict) else None
    if isinstance(body, str):  # some producers store the body as a JSON string
        try:
            body = json.loads(body)
        except ValueError:
            pass
    if err or not isinstance(resp, dict) or not _status_ok(code):
        raise ChunkFailed(f"request failed (HTTP {code if code is not None else '?'}): {_error_text(err, body)[:300]}", error="HTTPError")
    if not isinstance(body, dict) or not body.get("choices"):
        raise ChunkFailed("the response body is not a chat completion", error="BadResponse")
    try:
        return read_completion(body)
    except ValueError:
        raise ChunkFailed("the response body is not a chat completion", error="BadResponse") from None


class BatchResultsProvider:
    can_reask = False
    can_split = False
    limit_hint = RERUN_HINT

    def __init__(self, results: list[Path]):
        self.index = ResultIndex(results)

    async def complete(self, request: Request, usage: Usage) -> CachedResponse:
        cid = encode_custom_id(request.article.id, request.chunk_index)
        rec = self.index.get(cid)
        if rec is None:
            raise ChunkFailed(f"no result line for custom_id {cid!r}", error="MissingResult")
        usage.requests += 1
        answer = read_result(rec)
        usage.prompt_tokens += answer.prompt_tokens
        usage.completion_tokens += answer.completion_tokens
        return answer

    def accept(self, answer: CachedResponse, grounded: tuple[str, str] | None = None) -> None:
        """Nothing to keep: the results file is the record."""

    def evict(self, answer: CachedResponse) -> bool:
        return False

    def close(self) -> None:
        self.index.close()
