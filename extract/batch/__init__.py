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

from claims.kernel.lazy import lazy_exports

# the steps' names, imported on first use (submit needs the SDK, prepare does not)
_EXPORTS = {
    "collect": ".api", "make_client": ".api", "resolve_batch_id": ".api", "status": ".api", "submit": ".api", "wait": ".api",
    "BatchError": ".ids", "decode_custom_id": ".ids", "encode_custom_id": ".ids", "find_meta": ".ids", "load_meta": ".ids",
    "meta_path_for": ".ids", "state_path_for": ".ids",
    "ingest": ".ingest",
    "PrepareSummary": ".prepare", "prepare": ".prepare",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
