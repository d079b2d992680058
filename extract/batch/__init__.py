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

from claims.extract.batch.api import collect, make_client, resolve_batch_id, status, submit, wait
from claims.extract.batch.ids import (
    BatchError,
    decode_custom_id,
    encode_custom_id,
    find_meta,
    load_meta,
    meta_path_for,
    state_path_for,
)
from claims.extract.batch.ingest import ingest
from claims.extract.batch.prepare import PrepareSummary, prepare

__all__ = [
    "BatchError", "PrepareSummary", "collect", "decode_custom_id", "encode_custom_id", "find_meta", "ingest",
    "load_meta", "make_client", "meta_path_for", "prepare", "resolve_batch_id", "state_path_for", "status", "submit", "wait",
]
