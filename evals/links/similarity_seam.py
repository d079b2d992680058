"""The one place where the linker meets statement similarity.

Issue #15 builds the similarity layer (``claims.extract``: a ``Similarity`` protocol with
batched ``prepare``, ``score`` in [0, 1], ``vectors`` for embedding methods, a calibrated
``threshold`` and the fact checks that veto a pair). Until it lands, this module offers
the same narrow shape over what exists today, so that swapping in the real layer is a
change of ``load_similarity`` only. The linker needs four things of a method:

- ``prepare(statements)``: per-statement work for a whole batch at once (a lexical method
  fits its IDF on the batch: words every claim of a story shares, *plane*, *Azerbaijan*,
  *crash*, say nothing about which claim it is);
- ``score_pairs(prepared, i, j)``: the similarity of many pairs at once (a loop over a
  per-pair ``score`` is the fallback, and what fact checks need);
- ``vectors(prepared)``: unit-length dense rows whose inner products approximate the
  score, for the approximate-nearest-neighbour candidates;
- ``threshold``: the score at which two statements are taken to say the same thing.

Methods: ``lexical`` (default: TF-IDF cosine over the matcher's content words; candidate
vectors are a seeded random projection of the sparse TF-IDF rows, which preserves inner
products to about 1/sqrt(dim)), ``token-f1`` (the matcher's ``TokenF1Similarity``, with
``wordllama`` vectors for candidates) and ``embedding`` (``wordllama`` cosine: the 256-d
model that ships inside its wheel, loaded from the installed package with downloads off).
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from claims.extract import STOPWORDS, TOKEN_RE, TokenF1Similarity, stem
from claims.kernel.errors import UserError

METHODS = ("lexical", "token-f1", "embedding")
DEFAULT_METHOD = "lexical"
VECTOR_DIM = 64


class LinkSimilarity(Protocol):
    name: str
    threshold: float

    def prepare(self, statements: Sequence[str]) -> Any: ...

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray) -> np.ndarray: ...

    def vectors(self, prepared: Any) -> np.ndarray: ...


def content_tokens(statement: str) -> list[str]:
    """The matcher's content words: casefolded, stopwords out, lightly stemmed; numbers kept whole."""
    out = []
    for m in TOKEN_RE.finditer(unicodedata.normalize("NFKC", statement)):
        low = m.group(0).casefold().replace("’", "'")
        if low in STOPWORDS:
            continue
        out.append(low.replace(",", "") if low[0].isdigit() else stem(low))
    return out


@lru_cache(maxsize=1 << 20)
def _token_seed(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def _projection(vocab: Sequence[str], dim: int) -> np.ndarray:
    """One fixed Gaussian row per token, seeded by the token itself (same token, same row, any batch)."""
    out = np.empty((len(vocab), dim), dtype=np.float32)
    for r, tok in enumerate(vocab):
        out[r] = np.random.default_rng(_token_seed(tok)).standard_normal(dim, dtype=np.float32)
    return out / math.sqrt(dim)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _dot_pairs(v: np.ndarray, i: np.ndarray, j: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float32)
    for s in range(0, len(i), block):
        out[s : s + block] = np.einsum("ij,ij->i", v[i[s : s + block]], v[j[s : s + block]])
    return out


class IdfLexical:
    """TF-IDF cosine of content words, the IDF fitted on the statements being linked."""

    name = "lexical"

    def __init__(self, threshold: float = 0.45, dim: int = VECTOR_DIM) -> None:
        self.threshold = threshold
        self.dim = dim

    def prepare(self, statements: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        vocab: dict[str, int] = {}
        indptr, indices, counts = [0], [], []
        for s in statements:
            row: dict[int, int] = {}
            for tok in content_tokens(s):
                t = vocab.setdefault(tok, len(vocab))
                row[t] = row.get(t, 0) + 1
            indices.extend(row)
            counts.extend(row.values())
            indptr.append(len(indices))
        n = len(statements)
        x = csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                        np.asarray(indptr, dtype=np.int64)), shape=(n, len(vocab)))
        df = np.bincount(x.indices, minlength=len(vocab))
        x.data = (1.0 + np.log(x.data)) * np.log((n + 1) / df[x.indices]).astype(np.float32)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        x = csr_matrix(x.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]), dtype=np.float32)
        return x, list(vocab)

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray, block: int = 1 << 18) -> np.ndarray:
        x, _ = prepared
        out = np.empty(len(i), dtype=np.float32)
        for s in range(0, len(i), block):
            a, b = x[i[s : s + block]], x[j[s : s + block]]
            out[s : s + block] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        return out

    def vectors(self, prepared: Any) -> np.ndarray:
        x, vocab = prepared
        return _unit_rows(np.asarray(x @ _projection(vocab, self.dim)))


@lru_cache(maxsize=1)
def _wordllama() -> Any:
    import os

    try:
        import wordllama  # heavy (tokenizer, weights): only when an embedding is asked for
    except ImportError:
        raise UserError("the embedding and token-f1 similarities need wordllama: pip install 'claims[links]'") from None

    return wordllama.WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)


def wordllama_vectors(statements: Sequence[str], dim: int = 256) -> np.ndarray:
    v = _wordllama().embed(list(statements), norm=True, batch_size=256)
    return _unit_rows(np.asarray(v, dtype=np.float32)[:, :dim])


class Embedding:
    """Cosine of ``wordllama`` sentence vectors (offline; the model ships in the wheel)."""

    name = "embedding"

    def __init__(self, threshold: float = 0.8) -> None:
        self.threshold = threshold

    def prepare(self, statements: Sequence[str]) -> np.ndarray:
        return wordllama_vectors(statements)

    def score_pairs(self, prepared: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return _dot_pairs(prepared, i, j)

    def vectors(self, prepared: np.ndarray) -> np.ndarray:
        return prepared


class TokenF1:
    """The matcher's weighted token F1, scored pair by pair; candidates from ``wordllama``."""

    name = "token-f1"

    def __init__(self, threshold: float = 0.55) -> None:
        self.threshold = threshold
        self._sim = TokenF1Similarity()

    def prepare(self, statements: Sequence[str]) -> tuple[list[Any], Sequence[str]]:
        return self._sim.prepare(list(statements)), statements

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        bags, _ = prepared
        return np.fromiter((self._sim.score(bags[a], bags[b]) for a, b in zip(i.tolist(), j.tolist())),
                           dtype=np.float32, count=len(i))

    def vectors(self, prepared: Any) -> np.ndarray:
        return wordllama_vectors(prepared[1])


def load_similarity(name: str = DEFAULT_METHOD, threshold: float | None = None) -> LinkSimilarity:
    """The method by name, at its calibrated threshold unless one is given."""
    classes = {"lexical": IdfLexical, "token-f1": TokenF1, "embedding": Embedding}
    if name == "judge":
        raise UserError("--similarity judge needs the LLM judge of the similarity layer (issue #15), not merged yet")
    if name not in classes:
        raise UserError(f"unknown similarity {name!r}; expected one of {', '.join(METHODS)}")
    sim = classes[name]()
    if threshold is not None:
        sim.threshold = threshold
    return sim
