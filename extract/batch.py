"""Large offline jobs through the OpenAI Batch API file format (also what `vllm run-batch` reads).

Four steps, each resumable by hand:

1. ``prepare``: stream the articles, chunk them, and write one request line per
   (article, chunk) -- ``{"custom_id", "method": "POST", "url": "/v1/chat/completions",
   "body"}`` -- with exactly the body the live backend would send (same renderer, same
   ``build_request_body``), plus a sidecar ``<name>.meta.json``: template ref and hash,
   model, parameters, inputs, and each article's text hash and chunk offsets.
2. ``submit`` / ``status`` / ``collect``: the Batch API through the official client.
3. ``ingest``: a results file (OpenAI batch output, its error file, or `vllm run-batch`
   output) becomes a normal run directory. The job runner does the bookkeeping (resume,
   failure records, manifest); ``BatchResultsBackend`` stands in for the model, answering
   each article from its result lines: parsed and validated like a live answer, grounded
   on the full text, deduplicated across chunks.

A batch answer cannot be re-asked or split: an invalid or truncated answer is a recorded
failure whose message says to re-run that article live.

custom_id scheme: ``<article id, percent-encoded>::<chunk index>``. The article id is
encoded with ``urllib.parse.quote(id, safe="")`` (everything but ``A-Z a-z 0-9 _ . - ~``
becomes ``%XX`` of its UTF-8 bytes), so ``::`` never occurs inside the encoded id, the
id round-trips exactly (``decode_custom_id``), and the custom_id is plain ASCII. The
chunk index is zero-based, in text order; the meta file holds each chunk's offsets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from claims.kernel.articles import Article, LoadFailure, LoadOptions, iter_articles
from claims.extract.backends.base import Backend, ExtractionError
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_output, atomic_write_json
from claims.kernel.schema import ArticleClaims, Claim, ModelClaim, ModelOutput, PromptRef, Provenance, Usage

ENDPOINT = "/v1/chat/completions"
META_FORMAT = "claims-batch-meta"
META_VERSION = 1
# OpenAI's per-batch limits; vLLM has none. Exceeding them is a warning, not an error.
OPENAI_MAX_REQUESTS = 50_000
OPENAI_MAX_BYTES = 200 * 1024 * 1024
TERMINAL = ("completed", "failed", "expired", "cancelled")
RERUN_HINT = "re-run this article live (claims extract --backend openai) to"


class BatchError(UserError):
    """A batch file, meta file, results file or batch cannot be used; the message says which and why."""


# --------------------------------------------------------------------------- ids and paths


def encode_custom_id(article_id: str, chunk_index: int) -> str:
    return f"{quote(article_id, safe='')}::{chunk_index}"


def decode_custom_id(custom_id: str) -> tuple[str, int]:
    """(article id, chunk index); ValueError for a custom_id this toolkit did not make."""
    enc, sep, idx = custom_id.rpartition("::")
    if not sep or not idx.isdigit():
        raise ValueError(f"custom_id {custom_id!r} is not <article id>::<chunk index>")
    return unquote(enc), int(idx)


def meta_path_for(batch_path: Path) -> Path:
    """batch.jsonl -> batch.meta.json (beside it)."""
    return Path(batch_path).with_suffix(".meta.json")


def state_path_for(batch_path: Path) -> Path:
    """batch.jsonl -> batch.state.json: the submitted batch's id and file id."""
    return Path(batch_path).with_suffix(".state.json")


def _now() -> str:
    from claims.extract.jobs import now

    return now()


# --------------------------------------------------------------------------- prepare


@dataclass
class PrepareSummary:
    path: Path
    meta_path: Path
    articles: int = 0
    requests: int = 0
    bytes: int = 0
    skipped: int = 0  # articles that could not be loaded (recorded in the meta; ingest records them as failures)
    warnings: list[str] = field(default_factory=list)


def prepare(
    inputs: Iterable[str | Path],
    out_path: str | Path,
    *,
    model: str,
    prompt: str = "claims-direct",
    mode: str = "json_schema",
    temperature: float = 0.0,
    max_tokens: int | None = None,
    seed: int | None = None,
    chunk_chars: int = 6000,
    chunk_overlap: int = 500,
    prompts_dir: Path | None = None,
    load_options: LoadOptions | None = None,
    gold_texts: dict[str, str] | None = None,
    allow_gold_overlap: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> PrepareSummary:
    """Write the Batch API request file and its meta file; articles are streamed, never all in memory.

    Both files are written to temporary names and renamed at the end, so a killed
    prepare leaves no half-written batch behind.
    """
    from claims.extract.backends.openai import build_request_body, chunk_context
    from claims.extract.chunking import chunk_text
    from claims.extract.prompts import load_template, refuse_gold_overlap
    from claims.extract.structured import MODES

    if not model:
        raise BatchError("a batch needs a model name (--model)")
    if mode not in MODES:
        hint = "; auto cannot fall back offline, pick the mode the server supports" if mode == "auto" else ""
        raise BatchError(f"unknown output mode {mode!r}: choose one of {', '.join(MODES)}{hint}")
    if chunk_chars <= 0 or chunk_overlap < 0:
        raise BatchError("chunk_chars must be >= 1 and chunk_overlap >= 0")
    template = load_template(prompt, prompts_dir)
    if len(template.stages) != 1:
        raise BatchError(
            f"prompt {template.id}@{template.version} has {len(template.stages)} stages "
            f"({', '.join(s.name for s in template.stages)}); a batch is one request per chunk, and a later stage "
            "needs the earlier stage's answer: use a single-stage template (e.g. claims-direct) or run it live"
        )
    stage = template.stages[0]  # the last stage too: load_template makes it produce claims
    if gold_texts and not allow_gold_overlap:
        refuse_gold_overlap(template, gold_texts, prompt, "--allow-gold-overlap")
    inputs = list(inputs)
    opts = load_options or LoadOptions()
    out = Path(out_path)
    meta_path = meta_path_for(out)
    summary = PrepareSummary(path=out, meta_path=meta_path)
    articles: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    with atomic_output(out) as tmp:  # renamed after the meta file is written
        with open(tmp, "wb") as fh:
            for item in iter_articles(inputs, opts):
                if isinstance(item, LoadFailure):
                    skipped.append({"article_id": item.article_id, "error": item.error, "message": item.message})
                    summary.skipped += 1
                    continue
                chunks = chunk_text(item.text, chunk_chars, chunk_overlap)
                for i, chunk in enumerate(chunks):
                    body = build_request_body(
                        model=model, messages=stage.render(chunk_context(item, chunk)), mode=mode, output_model=stage.output_model,
                        temperature=temperature, max_tokens=max_tokens, seed=seed,
                    )
                    line = json.dumps(
                        {"custom_id": encode_custom_id(item.id, i), "method": "POST", "url": ENDPOINT, "body": body},
                        ensure_ascii=False,
                    ).encode("utf-8") + b"\n"
                    fh.write(line)
                    summary.bytes += len(line)
                    summary.requests += 1
                articles[item.id] = {"sha256": item.sha256, "chunks": [[c.start, c.end] for c in chunks]}
                summary.articles += 1
                if on_progress:
                    on_progress(summary.articles)
            fh.flush()
            os.fsync(fh.fileno())
        if summary.requests == 0:
            raise BatchError("no articles to batch (every input article failed to load)" if skipped else "no articles to batch")
        from claims.kernel.version import __version__

        meta = {
            "format": META_FORMAT,
            "version": META_VERSION,
            "created_at": _now(),
            "toolkit_version": __version__,
            "batch_file": out.name,
            "endpoint": ENDPOINT,
            "custom_id_scheme": "percent-encoded article id (urllib.parse.quote, safe='') + '::' + zero-based chunk index",
            "inputs": [str(Path(i).resolve()) for i in inputs],
            "load_options": {"text_field": opts.text_field, "id_field": opts.id_field, "title_field": opts.title_field},
            "model": model,
            "prompt": template.ref.model_dump(),
            "mode": mode,
            "parameters": {
                "temperature": temperature,
                "max_tokens": max_tokens,
                "seed": seed,
                "chunking": {"max_chars": chunk_chars, "overlap_chars": chunk_overlap},
            },
            "requests": summary.requests,
            "articles": articles,
            "skipped": skipped,
        }
        atomic_write_json(meta_path, meta)
    if summary.requests > OPENAI_MAX_REQUESTS:
        summary.warnings.append(f"{summary.requests} requests: more than the OpenAI Batch API's {OPENAI_MAX_REQUESTS} per batch (vLLM has no limit); split the input")
    if summary.bytes > OPENAI_MAX_BYTES:
        summary.warnings.append(f"{summary.bytes / 2**20:.0f} MB: larger than the OpenAI Batch API's 200 MB per file; split the input")
    return summary


# --------------------------------------------------------------------------- the Batch API


def make_client(base_url: str | None = None, api_key: str | None = None, timeout: float = 120.0) -> Any:
    """A synchronous OpenAI client (SDK retries on) with the same key rules as `claims extract`."""
    import openai

    from claims.extract.transport import endpoint

    base_url, key = endpoint(base_url, api_key)
    return openai.OpenAI(api_key=key, base_url=base_url, timeout=timeout)


def _api_call(what: str, fn: Callable[[], Any]) -> Any:
    """The SDK's errors as one-line BatchErrors (the key never appears: the SDK does not echo it)."""
    import openai

    try:
        return fn()
    except openai.APIStatusError as e:
        raise BatchError(f"{what}: HTTP {e.status_code}: {str(e)[:300]}") from None
    except openai.APIError as e:
        raise BatchError(f"{what}: {type(e).__name__}: {str(e)[:300]}") from None


def resolve_batch_id(ref: str) -> str:
    """A batch id, or the path of the state file `submit` wrote beside the batch file."""
    p = Path(ref)
    if ref.endswith(".json") and p.is_file():
        try:
            return str(json.loads(p.read_text(encoding="utf-8"))["batch_id"])
        except (OSError, ValueError, KeyError, TypeError):
            raise BatchError(f"{p}: not a batch state file (no batch_id)") from None
    return ref


def submit(client: Any, batch_path: str | Path, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """Upload the request file, create the batch, write ``<name>.state.json`` beside it."""
    path = Path(batch_path)
    if not path.is_file():
        raise BatchError(f"{path}: no such batch file")
    with path.open("rb") as fh:
        first = fh.readline()
    try:
        rec = json.loads(first)
        assert isinstance(rec, dict) and {"custom_id", "url", "body"} <= set(rec)
    except (ValueError, AssertionError):
        raise BatchError(f"{path}: not a Batch API request file (first line lacks custom_id/url/body)") from None
    with path.open("rb") as fh:
        up = _api_call(f"{path}: upload", lambda: client.files.create(file=(path.name, fh), purpose="batch"))
    batch = _api_call(
        f"{path}: create batch",
        lambda: client.batches.create(
            input_file_id=up.id, endpoint=rec.get("url") or ENDPOINT, completion_window="24h",
            metadata={"tool": "claims", "batch_file": path.name[:500], **(metadata or {})},
        ),
    )
    from claims.extract.transport import base_host

    state = {
        "batch_id": batch.id,
        "input_file_id": up.id,
        "batch_file": str(path.resolve()),
        "meta_file": str(meta_path_for(path).resolve()),
        "host": base_host(str(client.base_url)),
        "status": batch.status,
        "submitted_at": _now(),
    }
    atomic_write_json(state_path_for(path), state)
    return state


def _plain(obj: Any) -> Any:
    return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else obj


def status(client: Any, batch_id: str) -> dict[str, Any]:
    """The batch's status, request counts and file ids."""
    b = _api_call(f"batch {batch_id}", lambda: client.batches.retrieve(batch_id))
    counts = _plain(b.request_counts) or {}
    errors = _plain(getattr(b, "errors", None))
    return {
        "id": b.id,
        "status": b.status,
        "request_counts": {k: counts.get(k) for k in ("total", "completed", "failed")},
        "input_file_id": b.input_file_id,
        "output_file_id": b.output_file_id,
        "error_file_id": b.error_file_id,
        "created_at": b.created_at,
        "completed_at": getattr(b, "completed_at", None),
        "errors": errors,
    }


def wait(client: Any, batch_id: str, *, poll_seconds: float = 30.0, timeout: float | None = None,
         on_poll: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Poll until the batch reaches a terminal status (or ``timeout`` seconds pass)."""
    import time

    t0 = time.monotonic()
    while True:
        st = status(client, batch_id)
        if on_poll:
            on_poll(st)
        if st["status"] in TERMINAL or (timeout is not None and time.monotonic() - t0 >= timeout):
            return st
        time.sleep(poll_seconds)


def collect(client: Any, batch_id: str, out_path: str | Path) -> dict[str, Any]:
    """Download the output file and the error file into one results file (streamed, then renamed).

    An expired or cancelled batch keeps the answers it finished: they are collected, and
    ingest records the rest as missing.
    """
    st = status(client, batch_id)
    if st["status"] not in ("completed", "expired", "cancelled") or not (st["output_file_id"] or st["error_file_id"]):
        more = "; wait with `claims batch status ID --wait`" if st["status"] not in TERMINAL else ""
        raise BatchError(f"batch {batch_id} is {st['status']} with no results to collect{more}")
    out = Path(out_path)
    lines = {"output": 0, "error": 0}
    with atomic_output(out) as tmp, open(tmp, "wb") as fh:
        for kind in ("output", "error"):
            fid = st[f"{kind}_file_id"]
            if not fid:
                continue
            last = b"\n"

            def download(fid: str = fid) -> None:
                nonlocal last
                with client.files.with_streaming_response.content(fid) as resp:
                    for part in resp.iter_bytes():
                        if part:
                            fh.write(part)
                            lines[kind] += part.count(b"\n")
                            last = part[-1:]

            _api_call(f"batch {batch_id}: download {kind} file {fid}", download)
            if last != b"\n":
                fh.write(b"\n")
                lines[kind] += 1
        fh.flush()
        os.fsync(fh.fileno())
    return {**st, "results": str(out), "output_lines": lines["output"], "error_lines": lines["error"]}


# --------------------------------------------------------------------------- ingest


def load_meta(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"{p}: meta file not found (claims batch prepare writes it beside the batch file)") from None
    except (OSError, ValueError) as e:
        raise BatchError(f"{p}: unreadable meta file: {str(e)[:200]}") from None
    if not isinstance(meta, dict) or meta.get("format") != META_FORMAT:
        raise BatchError(f"{p}: not a claims batch meta file (format is not {META_FORMAT!r})")
    if meta.get("version") != META_VERSION:
        raise BatchError(f"{p}: meta version {meta.get('version')!r} is not supported (expected {META_VERSION})")
    return meta


def find_meta(results: list[Path]) -> Path:
    """The one *.meta.json beside the first results file (the usual one-folder workflow)."""
    folder = results[0].resolve().parent
    found = sorted(folder.glob("*.meta.json"))
    if len(found) == 1:
        return found[0]
    what = "no" if not found else f"{len(found)}"
    raise BatchError(f"{folder}: {what} *.meta.json files; pass --meta (the file claims batch prepare wrote beside the batch)")


class _ChunkFailed(Exception):
    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


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


def parse_result(rec: dict[str, Any], usage: Usage) -> list[ModelClaim]:
    """One result line's claims, or _ChunkFailed with the reason. Counts its tokens into ``usage``.

    Lenient about the two producers: OpenAI puts failed requests in an error file
    (``response.status_code`` >= 400 or ``error`` set); vLLM writes ``error`` (a string or
    an error object) with a ``response`` that has no body.
    """
    from claims.extract.structured import OutputInvalid, parse_output, read_completion

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
        raise _ChunkFailed("HTTPError", f"request failed (HTTP {code if code is not None else '?'}): {_error_text(err, body)[:300]}")
    if not isinstance(body, dict) or not body.get("choices"):
        raise _ChunkFailed("BadResponse", "the response body is not a chat completion")
    try:
        answer = read_completion(body)
    except ValueError:
        raise _ChunkFailed("BadResponse", "the response body is not a chat completion") from None
    usage.prompt_tokens += answer.prompt_tokens
    usage.completion_tokens += answer.completion_tokens
    if answer.finish_reason == "length":
        raise _ChunkFailed("Truncated", f"answer truncated (finish_reason=length) — {RERUN_HINT} split it, or raise --max-tokens")
    if answer.refusal:
        raise _ChunkFailed("Refusal", f"the model refused: {str(answer.refusal)[:200]}")
    try:
        return list(parse_output(answer.content, ModelOutput).claims)
    except OutputInvalid as e:
        raise _ChunkFailed("ValidationError", f"{e} (a batch answer cannot be re-asked; {RERUN_HINT} re-ask)") from None


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


class BatchResultsBackend(Backend):
    """Answers each article from the batch results instead of a server (see the module docstring)."""

    name = "openai-batch"

    def __init__(self, meta: dict[str, Any], results: list[Path]):
        self.meta = meta
        self.index = ResultIndex(results)
        self.articles: dict[str, dict[str, Any]] = meta.get("articles") or {}
        known = set()
        for aid, entry in self.articles.items():
            for i in range(len(entry["chunks"])):
                known.add(encode_custom_id(aid, i))
        self.unmatched = sum(1 for cid in self.index.where if cid not in known)
        self._provenance: Provenance | None = None

    def provenance(self) -> Provenance:
        if self._provenance is None:
            from claims.kernel.version import __version__

            m = self.meta
            params = m.get("parameters") or {}
            self._provenance = Provenance(
                backend=self.name,
                model=m.get("model"),
                prompt=PromptRef(**m["prompt"]) if m.get("prompt") else None,
                parameters={
                    "endpoint": "batch",
                    "mode": m.get("mode"),
                    "temperature": params.get("temperature"),
                    "max_tokens": params.get("max_tokens"),
                    "seed": params.get("seed"),
                    "max_reasks": 0,
                    "chunking": params.get("chunking"),
                },
                toolkit_version=__version__,
            )
        return self._provenance

    def stats(self) -> dict[str, Any]:
        return {
            "results": [str(p) for p in self.index.paths],
            "result_lines": self.index.lines,
            "invalid_lines": self.index.invalid,
            "duplicate_custom_ids": self.index.duplicates,
            "unmatched_custom_ids": self.unmatched,
            "requests_in_batch": self.meta.get("requests"),
        }

    async def aextract(self, article: Article) -> ArticleClaims:
        from claims.extract.chunking import dedupe_claims
        from claims.extract.grounding import ground_claim

        entry = self.articles.get(article.id)
        if entry is None:
            raise ExtractionError(f"article {article.id!r} is not in the batch (not in the meta file)", error="NotInBatch")
        if entry.get("sha256") != article.sha256:
            raise ExtractionError(
                f"article {article.id!r} changed since the batch was prepared (text hash differs); re-prepare or run it live",
                error="TextChanged",
            )
        usage = Usage()
        claims: list[Claim] = []
        problems: list[tuple[str, str]] = []
        chunks = entry["chunks"]
        for i, (start, end) in enumerate(chunks):
            cid = encode_custom_id(article.id, i)
            where = f"chunk {i + 1}/{len(chunks)} [{start}, {end})"
            rec = self.index.get(cid)
            if rec is None:
                problems.append(("MissingResult", f"{where}: no result line for custom_id {cid!r}"))
                continue
            usage.requests += 1
            try:
                mcs = parse_result(rec, usage)
            except _ChunkFailed as f:
                problems.append((f.error, f"{where}: {f}"))
                continue
            claims.extend(ground_claim(article.text, mc, hint=start) for mc in mcs)
        if problems:
            raise ExtractionError("; ".join(m for _, m in problems)[:1000], error=problems[0][0], usage=usage)
        if len(chunks) > 1:
            claims = dedupe_claims(claims)  # overlapping chunks repeat claims, as in a live run
        return self.result(article, claims, usage)

    async def aclose(self) -> None:
        self.index.close()


def ingest(
    results: list[str | Path],
    run_dir: str | Path,
    *,
    meta_path: str | Path | None = None,
    articles: list[str | Path] | None = None,
    overwrite: bool = False,
    command: list[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Any:
    """Results file(s) -> a run directory; the job runner's resume applies (done articles are skipped)."""
    from claims.extract.jobs import Job
    from claims.kernel.redact import known_secrets

    paths = [Path(r) for r in results]
    for p in paths:
        if not p.is_file():
            raise BatchError(f"{p}: no such results file")
    mp = Path(meta_path) if meta_path else find_meta(paths)
    meta = load_meta(mp)
    inputs = [str(a) for a in articles] if articles else list(meta.get("inputs") or [])
    if not inputs:
        raise BatchError(f"{mp}: lists no inputs; pass --articles")
    lo = meta.get("load_options") or {}
    opts = LoadOptions(text_field=lo.get("text_field", "text"), id_field=lo.get("id_field", "id"), title_field=lo.get("title_field", "title"))
    backend = BatchResultsBackend(meta, paths)

    def extra(m: dict[str, Any]) -> dict[str, Any]:
        m["batch"] = {"meta": str(mp.resolve()), **backend.stats()}
        return m

    job = Job(
        inputs=inputs, run_dir=Path(run_dir), backend=backend, jobs=1, overwrite=overwrite, load_options=opts,
        command=command or [], secrets=known_secrets(), on_progress=on_progress, manifest_extra=extra,
    )
    try:
        return job.run()
    finally:
        backend.index.close()
