"""``embedding`` online: any OpenAI-compatible ``/v1/embeddings`` (OpenAI, vLLM, llama.cpp's server).

Statements are sent in batches (``batch_size`` inputs a request, ``jobs`` requests at a
time; a per-token answer is mean-pooled) through the project's transport: one
``AsyncOpenAI`` client without SDK retries, our retry layer (429/5xx/timeouts, ``Retry-After`` honoured, identical re-sends) and the
response cache (one file per statement, keyed by endpoint host, model and the exact
text; the vector is stored as base64 float32). A cached statement is never sent again,
so re-scoring a run costs nothing; ``cache="replay"`` never touches the network.

No threshold is calibrated for an arbitrary model: the default (``ENDPOINT_THRESHOLD``)
is a starting point; ``claims calibrate-similarity --similarity embedding
--similarity-model M --similarity-base-url URL`` prints the one the contrast set gives.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
import openai

from claims.extract.cache import CachedResponse, ResponseCache, cache_key
from claims.extract.similarity.cosine import CosineScores
from claims.extract.similarity.requests import send_counted
from claims.extract.transport import EndpointGate, RetryPolicy, base_host, endpoint, make_client
from claims.kernel.errors import UserError

ENDPOINT_THRESHOLD = 0.75
DEFAULT_CACHE_DIR = ".claims-cache"


def encode_vector(vec: Any) -> str:

    return base64.b64encode(np.asarray(vec, dtype="<f4").tobytes()).decode("ascii")


def decode_vector(text: str) -> Any:

    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float32)


def pooled(embedding: Any) -> Any:
    """One vector per input: a server that answers with one vector per token (llama-cpp-python
    for a model without a pooling layer) is mean-pooled here, as an embedding model would."""
    vec = np.asarray(embedding, dtype=np.float32)
    if vec.ndim == 2:
        vec = vec.mean(axis=0)
    if vec.ndim != 1 or not vec.size:
        raise UserError(f"the embedding endpoint returned an embedding of shape {vec.shape}, not a vector")
    return vec


class EndpointEmbedding(CosineScores):
    """Cosine of embeddings from an OpenAI-compatible server (see the module docstring)."""

    costly = False

    def __init__(self, model: str | None = None, base_url: str | None = None, api_key: str | None = None,
                 threshold: float = ENDPOINT_THRESHOLD, cache_dir: str = DEFAULT_CACHE_DIR, cache: str = "on",
                 batch_size: int = 128, jobs: int = 4, timeout: float = 60.0, max_attempts: int = 6) -> None:

        if not model:
            raise UserError("the embedding endpoint needs a model name (--similarity-model)")
        self.model = model
        self.base_url, self._api_key = endpoint(base_url, api_key)
        self.host = base_host(self.base_url)
        self.threshold = threshold
        self.name = f"embedding:{model}"
        self.cache = ResponseCache(cache_dir, cache)
        self.batch_size = max(1, batch_size)
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.policy = RetryPolicy(max_attempts=max_attempts)
        self._gate = EndpointGate(self.policy, f"embedding endpoint {self.host}")
        self.dim: int | None = None
        self._stats = {"requests": 0, "retries": 0, "cache_hits": 0, "prompt_tokens": 0, "embedded": 0}

    def _key(self, text: str) -> str:

        return cache_key({"kind": "embedding", "host": self.host, "model": self.model, "input": text})

    def vectors(self, statements: Sequence[str]) -> Any:
        """(n, dim) float32, rows L2-normalised; cached statements are not sent again."""

        unique = list(dict.fromkeys(statements))
        found: dict[str, Any] = {}
        missing: list[str] = []
        for s in unique:
            hit = self.cache.get(self._key(s)) if self.cache.reads else None
            if hit is not None and hit.content:
                found[s] = decode_vector(hit.content)
                self._stats["cache_hits"] += 1
            else:
                missing.append(s)
        if missing and self.cache.mode == "replay":
            raise UserError(f"{len(missing)} statement(s) have no embedding in the cache {self.cache.dir} "
                            "(cache replay never calls the server)")
        if missing:
            found.update(asyncio.run(self._fetch(missing)))
        if not unique:
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        dim = len(next(iter(found.values())))
        self.dim = dim
        out = np.zeros((len(statements), dim), dtype=np.float32)
        for i, s in enumerate(statements):
            v = found[s]
            n = float(np.linalg.norm(v))
            out[i] = v / n if n > 0 else v
        return out

    async def _fetch(self, texts: list[str]) -> dict[str, Any]:

        client = make_client(base_url=self.base_url, api_key=self._api_key, timeout=self.timeout, concurrency=self.jobs)
        gate = asyncio.Semaphore(self.jobs)
        out: dict[str, Any] = {}

        async def one(batch: list[str]) -> None:
            async with gate:
                try:
                    resp = await send_counted(lambda: client.embeddings.create(model=self.model, input=batch),
                                              self.policy, self._gate, self._stats, f"embedding endpoint {self.host}")
                except openai.APIError as e:
                    raise UserError(f"embedding endpoint {self.host}: {type(e).__name__}: {str(e)[:300]}") from None
            rows = sorted(resp.data, key=lambda d: d.index)
            if len(rows) != len(batch):
                raise UserError(f"embedding endpoint {self.host} returned {len(rows)} vectors for {len(batch)} inputs")
            tokens = getattr(getattr(resp, "usage", None), "prompt_tokens", 0) or 0
            self._stats["prompt_tokens"] += int(tokens)
            if len(batch) > 1 and any(np.ndim(r.embedding) == 2 for r in rows):
                # Per-token vectors (no pooling layer): llama-cpp-python 0.3 returns wrong ones for
                # every input but the first of a batch (measured), so ask one statement at a time.
                self.batch_size = 1
                await asyncio.gather(*(one([t]) for t in batch))
                return
            for text, row in zip(batch, rows):
                vec = pooled(row.embedding)
                out[text] = decode_vector(encode_vector(vec))
                self.cache.put(self._key(text), CachedResponse(content=encode_vector(vec), finish_reason=None),
                               meta={"kind": "embedding", "model": self.model})
                self._stats["embedded"] += 1

        try:
            await asyncio.gather(*(one(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)))
        finally:
            await client.close()
        return out

    def stats(self) -> dict[str, Any]:
        return dict(self._stats)
